#!/usr/bin/env bash
# Train the Rasa model only when the training data, domain or config changed, or no model exists.
# Scenarios are not training data: a new scenario never needs retraining.
set -euo pipefail
cd "$(dirname "$0")/.."
fingerprint=$(cat config.yml domain.yml $(find data -type f -name '*.yml' | sort) | sha256sum | cut -d' ' -f1)
if [ -f models/trainer.tar.gz ] && [ "$(cat models/.fingerprint 2>/dev/null)" = "$fingerprint" ]; then
  exit 0
fi
echo "==> Training the Rasa model (a few minutes on 2 cores)"
mkdir -p models
TF_CPP_MIN_LOG_LEVEL=3 .venv/bin/rasa train --fixed-model-name trainer --out models --quiet > var/train.log 2>&1 || {
  tail -40 var/train.log >&2; exit 1; }
echo "$fingerprint" > models/.fingerprint
