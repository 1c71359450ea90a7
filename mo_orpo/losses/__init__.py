"""ORPO and the multi-objective strategies: pure functions of per-example log-probs."""

from mo_orpo.losses.orpo import PairTerms, log1mexp, log_odds, log_odds_ratio, odds_ratio_loss
from mo_orpo.losses.strategies import STRATEGIES, Strategy, StrategyOutput, get_strategy, step_loss

__all__ = [
    "STRATEGIES", "PairTerms", "Strategy", "StrategyOutput", "get_strategy", "log1mexp",
    "log_odds", "log_odds_ratio", "odds_ratio_loss", "step_loss",
]
