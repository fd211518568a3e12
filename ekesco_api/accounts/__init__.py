"""The app account of a customer: the model, and what goes with it when it is removed."""
