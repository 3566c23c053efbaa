"""The learned event detector (docs/model-card.md): corpus reading, features, model, training, coders."""
