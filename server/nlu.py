"""NLU components for officers' Chinese: normalise before segmenting.

Officers type traditional or simplified characters, full-width or half-width
letters and punctuation, sometimes with invisible characters pasted in. The
tokenizer segments the canonical form (actions.trainer.textnorm.normalize), so the
classifier sees "我們必須依法處理" exactly as "我们必须依法处理". The message text
itself is left as typed: the record keeps the officer's own words.
"""
from __future__ import annotations

from typing import List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from actions.trainer.textnorm import normalize


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class NormalizingJiebaTokenizer(JiebaTokenizer):
    """JiebaTokenizer over the normalised text (simplified, NFKC, no zero-width characters)."""

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        import jieba

        text = normalize(message.get(attribute) or "")
        tokens = [Token(word, start) for (word, start, _end) in jieba.tokenize(text) if word.strip()]
        return self._apply_token_pattern(tokens)
