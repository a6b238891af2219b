-- The tracker store's database beside the training records' (both owned by `trainer`).
CREATE DATABASE rasa OWNER trainer;
