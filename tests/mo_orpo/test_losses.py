"""ORPO and the strategies against numbers worked out independently (mpmath, closed forms, TRL)."""

from types import SimpleNamespace

import mpmath as mp
import pytest
import torch

from mo_orpo.config.train import LossConfig
from mo_orpo.losses import (
    STRATEGIES,
    PairTerms,
    get_strategy,
    log_odds,
    odds_ratio_loss,
    step_loss,
)

mp.mp.dps = 50
PAIRS = [(-0.5, -1.5), (-1e-9, -3.0), (-2.0, -1e-6), (-50.0, -49.0), (-0.1, -0.1), (-7.0, -0.7)]


def ref_log_odds(lp: float) -> mp.mpf:
    p = mp.e ** mp.mpf(lp)
    return mp.log(p / (1 - p))


def ref_or_loss(c: float, r: float) -> float:
    z = ref_log_odds(c) - ref_log_odds(r)
    return float(-mp.log(1 / (1 + mp.e ** (-z))))


def terms(c, r, nll, requires_grad=False) -> PairTerms:
    def t(x):
        return torch.tensor(x, dtype=torch.float64, requires_grad=requires_grad)
    return PairTerms(t(c), t(r), t(nll))


def test_log_odds_matches_high_precision_reference():
    lps = [-1e-9, -1e-6, -0.3, -0.6931, -0.7, -5.0, -50.0]
    got = log_odds(torch.tensor(lps, dtype=torch.float32))
    for value, lp in zip(got.tolist(), lps):
        assert value == pytest.approx(float(ref_log_odds(lp)), rel=1e-5, abs=1e-5)


@pytest.mark.parametrize("lp", [-1e-9, -50.0])
def test_log_odds_finite_with_finite_gradient_at_extremes(lp):
    x = torch.tensor([lp], requires_grad=True)
    y = log_odds(x)
    y.sum().backward()
    assert torch.isfinite(y).all() and torch.isfinite(x.grad).all()
    # d/dx [x - log(1 - e^x)] = 1 / (1 - e^x)
    expected = float(1 / (1 - mp.e ** mp.mpf(lp)))
    assert x.grad.item() == pytest.approx(expected, rel=1e-3)


def test_odds_ratio_loss_matches_reference_per_example():
    c = torch.tensor([p[0] for p in PAIRS])
    r = torch.tensor([p[1] for p in PAIRS])
    got = odds_ratio_loss(c, r)
    assert got.shape == (len(PAIRS),)
    for value, (ci, ri) in zip(got.tolist(), PAIRS):
        assert value == pytest.approx(ref_or_loss(ci, ri), rel=1e-5, abs=1e-6)


def test_odds_ratio_loss_agrees_with_trl():
    from trl.experimental.orpo import ORPOTrainer

    gen = torch.Generator().manual_seed(0)
    c = -torch.rand(256, generator=gen) * 8 - 1e-4
    r = -torch.rand(256, generator=gen) * 8 - 1e-4
    fake_trainer = SimpleNamespace(beta=1.0, accelerator=SimpleNamespace(device="cpu"))
    trl_ratio = ORPOTrainer.odds_ratio_loss(fake_trainer, c, r)[0]  # beta * log sigmoid(.)
    torch.testing.assert_close(odds_ratio_loss(c, r), -trl_ratio, rtol=1e-5, atol=1e-5)


def test_orpo_loss_is_sft_plus_lambda_or():
    t = terms([-0.5, -2.0], [-1.5, -1e-6], [0.7, 1.3])
    got = t.orpo_loss(0.1)
    expected = [0.7 + 0.1 * ref_or_loss(-0.5, -1.5), 1.3 + 0.1 * ref_or_loss(-2.0, -1e-6)]
    assert got.tolist() == pytest.approx(expected, rel=1e-6)


def test_scalarization_weights_tasks():
    a, sj = terms([-0.5], [-1.5], [0.7]), terms([-0.2], [-0.9], [0.1])
    cfg = LossConfig(strategy="scalarization", w1=0.6)
    la = 0.7 + 0.1 * ref_or_loss(-0.5, -1.5)
    lsj = 0.1 + 0.1 * ref_or_loss(-0.2, -0.9)
    got = get_strategy("scalarization").combine(a, sj, cfg).loss
    assert got.item() == pytest.approx(0.6 * la + 0.4 * lsj, rel=1e-9)
    cfg_w2 = LossConfig(strategy="scalarization", w1=0.9, w2=0.3)
    got = get_strategy("scalarization").combine(a, sj, cfg_w2).loss
    assert got.item() == pytest.approx(0.9 * la + 0.3 * lsj, rel=1e-9)


def test_sj_sft_uses_plain_sft_on_the_sj_label():
    a, sj = terms([-0.5], [-1.5], [0.7]), terms([-0.2], [-0.9], [0.25])
    got = get_strategy("sj_sft").combine(a, sj, LossConfig(strategy="sj_sft", w1=0.6)).loss
    assert got.item() == pytest.approx(0.6 * (0.7 + 0.1 * ref_or_loss(-0.5, -1.5)) + 0.4 * 0.25)


@pytest.mark.parametrize("c,r,sj_c,sj_r", [(-0.5, -1.5, -0.1, -2.0), (-2.0, -0.4, -1.0, -0.2),
                                           (-1e-4, -3.0, -0.05, -0.06)])
def test_conjoined_gradient_is_paper_closed_form(c, r, sj_c, sj_r):
    a = terms([c], [r], [0.0], requires_grad=True)
    sj = terms([sj_c], [sj_r], [0.0], requires_grad=True)
    cfg = LossConfig(strategy="conjoined", w1=1.0, w2=0.0, orpo_lambda=1.0)
    get_strategy("conjoined").combine(a, sj, cfg).loss.sum().backward()
    # Paper section 3.2.2: dL/dθ = -(1 + k * OR_A)^-1 * d log OR_A / dθ with
    # k = odds'(y_l|x') / odds'(y_w|x') (frozen) and d log odds(x)/dx = 1 / (1 - e^x).
    or_a = mp.e ** (ref_log_odds(c) - ref_log_odds(r))
    k = mp.e ** (ref_log_odds(sj_r) - ref_log_odds(sj_c))
    scale = -1 / (1 + k * or_a)
    assert a.chosen_logps.grad.item() == pytest.approx(float(scale / (1 - mp.e ** c)), rel=1e-8)
    assert a.rejected_logps.grad.item() == pytest.approx(float(-scale / (1 - mp.e ** r)), rel=1e-8)
    # the SJ odds ratio is frozen: with w2 = 0 no gradient reaches the SJ log-probs
    assert sj.chosen_logps.grad is None or sj.chosen_logps.grad.abs().item() == 0.0
    # and the loss value is Eq. 6
    z = (ref_log_odds(c) - ref_log_odds(r)) - (ref_log_odds(sj_c) - ref_log_odds(sj_r))
    loss = get_strategy("conjoined").combine(a, sj, cfg).loss.item()
    assert loss == pytest.approx(float(mp.log(1 + mp.e ** (-z))), rel=1e-9)


def test_conditional_switches_exactly_at_zero_sj_log_odds_ratio():
    cfg = LossConfig(strategy="conditional", w1=0.9, w2=0.1)
    la = 0.7 + 0.1 * ref_or_loss(-0.5, -1.5)
    # sj ratio exactly 0 (equal log-probs), just below 0, just above 0
    sj_r = [-1.0, -1.0 + 1e-6, -1.0 - 1e-6]
    a = terms([-0.5] * 3, [-1.5] * 3, [0.7] * 3)
    sj = terms([-1.0] * 3, sj_r, [0.2] * 3)
    out = get_strategy("conditional").combine(a, sj, cfg)
    assert out.sj_active.tolist() == [0.0, 1.0, 0.0]
    lsj = 0.2 + 0.1 * ref_or_loss(-1.0, -1.0 + 1e-6)
    assert out.loss.tolist() == pytest.approx([la, 0.9 * la + 0.1 * lsj, la], rel=1e-9)


def test_conditional_batch_granularity_uses_the_batch_mean():
    cfg = LossConfig(strategy="conditional", w1=0.9, w2=0.1, conditional_granularity="batch")
    a = terms([-0.5, -0.5], [-1.5, -1.5], [0.7, 0.7])
    sj = terms([-1.0, -1.0], [-0.5, -3.0], [0.2, 0.2])  # ratios < 0 and > 0, mean > 0
    out = get_strategy("conditional").combine(a, sj, cfg)
    assert out.sj_active.tolist() == [0.0, 0.0]


def test_single_task_steps_use_that_tasks_weighted_objective():
    a, sj = terms([-0.5], [-1.5], [0.7]), terms([-0.2], [-0.9], [0.25])
    cfg = LossConfig(strategy="sj_sft", w1=1.0, w2=1.0, schedule="epoch_by_epoch")
    assert step_loss(cfg, ("sj",), None, sj).loss.item() == pytest.approx(0.25)
    cfg = LossConfig(strategy="scalarization", w1=0.5, w2=0.8, schedule="epoch_by_epoch")
    assert step_loss(cfg, ("sj",), None, sj).loss.item() == pytest.approx(
        0.8 * (0.25 + 0.1 * ref_or_loss(-0.2, -0.9)))
    assert step_loss(cfg, ("alignment",), a, None).loss.item() == pytest.approx(
        0.5 * (0.7 + 0.1 * ref_or_loss(-0.5, -1.5)))


def test_unknown_strategy_lists_valid_names():
    with pytest.raises(ValueError) as err:
        get_strategy("pareto_magic")
    for name in STRATEGIES:
        assert name in str(err.value)
