"""Small per-family settings for tests that need a fitted model of every family, not a good one."""

FAST_PARAMS: dict[str, dict[str, float]] = {
    "ngboost": {"n_estimators": 60, "learning_rate": 0.1},
    "rf": {"n_estimators": 10},
    "gbdt": {"max_iter": 40},
    "xgboost": {"n_estimators": 40},
    "lightgbm": {"n_estimators": 40},
}
