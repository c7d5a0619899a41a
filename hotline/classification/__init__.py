"""The classifier in the app: model versions, the active predictor, corrections, retraining."""
