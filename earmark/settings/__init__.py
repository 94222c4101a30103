"""The settings types of the stages, as plain dataclasses: the config loader builds them."""
