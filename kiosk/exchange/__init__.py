"""The exchange: the state machine (no Qt), its journal, recovery and the ports it drives."""
