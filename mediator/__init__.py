"""mediator: a guardrailed AI dispute-mediation chat service for consumer lending."""

__version__ = "0.1.0"
