"""Notebook: porting from PyTorch. Cells as (kind, source) pairs; see notebooks/build.py."""

CELLS = [
    ("md", """
# Porting from PyTorch

Most people learn losses from PyTorch tutorials. This notebook takes the examples of four
such tutorials: `CrossEntropyLoss`, `NLLLoss`, `BCELoss`, `BCEWithLogitsLoss` with
`pos_weight`, `HingeEmbeddingLoss`, `MultiLabelMarginLoss`, the regression losses,
`TripletMarginLoss`, `CosineEmbeddingLoss` and `KLDivLoss`. It writes each one's PyTorch line
next to its lossjax line and shows that they give the same number.

The PyTorch numbers come from the fixtures that ship inside lossjax. PyTorch 2.13 wrote them
by running the tutorials' exact inputs through `tests/generate_fixtures.py` (ids
`tutorial/...`). If PyTorch is installed, each cell also runs it live. Every comparison
asserts equality, so a cell that disagreed would fail the test suite, which runs this
notebook.

The short version of a port:

| PyTorch | lossjax |
| --- | --- |
| `nn.CrossEntropyLoss(weight=w)(x, y)` | `lj.cross_entropy(x, y, weight=w)`, or `lj.nn.CrossEntropyLoss(weight=w)(x, y)` |
| `F.cross_entropy(x, y)` with `x` of shape `[N, C, H, W]` | `lj.cross_entropy(x, y, axis=1)`. The class axis is last by default, as in JAX and optax |
| `reduction="mean" / "sum" / "none"` | the same strings. `"batchmean"` exists for `kl_div` only |
| `ignore_index=-100` | the same option, or `where=mask` for any loss |
| `loss.backward()` | `jax.grad(loss_fn)(params)` |
| targets broadcast silently | targets must have the documented shape: a `ValueError` names the loss and the argument |
"""),
    ("code", """
import importlib.util

import jax
import jax.numpy as jnp
import numpy as np

import lossjax as lj
from lossjax import _fixtures  # the shipped PyTorch fixtures, as `python -m lossjax verify` reads them

HAVE_TORCH = importlib.util.find_spec("torch") is not None
if HAVE_TORCH:
  import torch
  import torch.nn as tnn
print("PyTorch installed:", torch.__version__ if HAVE_TORCH else "no (the fixture numbers are used alone)")


def fixture_value(loss, case_id, reduction="mean"):
  \"\"\"PyTorch's float32 result for a shipped fixture case.\"\"\"
  for case in _fixtures.load(loss)["cases"]:
    if case["id"] == f"{case_id}/float32":
      return float(_fixtures.decode(case["results"][reduction]["value"]))
  raise KeyError(f"{loss}: no case {case_id}")


def compare(loss, case_id, ours, live=None, printed=None, reduction="mean"):
  \"\"\"Prints PyTorch (fixture, live) and lossjax side by side, and asserts they agree.\"\"\"
  want, ours = fixture_value(loss, case_id, reduction), float(ours)
  assert abs(ours - want) <= 1e-5 * max(1.0, abs(want)), (loss, case_id, ours, want)
  line = f"{loss:<34} PyTorch fixture {want:.6f}"
  if live is not None:
    live = float(live)
    assert abs(live - want) <= 1e-6 * max(1.0, abs(want)), (loss, case_id, live, want)
    line += f" | live {live:.6f}"
  line += f" | lossjax {ours:.6f}"
  if printed is not None:
    line += f" | the tutorial printed {printed}"
  print(line)
"""),
    ("md", """
## Classification

### `CrossEntropyLoss`

The simplest tutorial example has one sample with scores `[4, 1, 2]` and the correct class 0.
PyTorch and lossjax both take raw logits and integer class indices.
"""),
    ("code", """
outputs, labels = jnp.array([[4.0, 1.0, 2.0]]), jnp.array([0])
ours = lj.cross_entropy(outputs, labels)
live = tnn.CrossEntropyLoss()(torch.tensor([[4.0, 1.0, 2.0]]), torch.tensor([0])).item() if HAVE_TORCH else None
compare("cross_entropy", "tutorial/one_sample_4_1_2", ours, live)
"""),
    ("md", """
A quick-reference tutorial uses three confident predictions, `[[2, .5, .3], [.1, 3, .2],
[.2, .1, 4]]` with labels `[0, 1, 2]`, and repeats them with `label_smoothing=0.1`. The comment
in that tutorial gives 0.1763. PyTorch 2.13 computes 0.1640 for those inputs, and so does
lossjax. The comment is wrong, which is one reason to trust fixtures over printed comments.
"""),
    ("code", """
three = jnp.array([[2.0, 0.5, 0.3], [0.1, 3.0, 0.2], [0.2, 0.1, 4.0]])
labels = jnp.array([0, 1, 2])
live = smooth_live = None
if HAVE_TORCH:
  t_three, t_labels = torch.tensor(np.asarray(three)), torch.tensor([0, 1, 2])
  live = tnn.CrossEntropyLoss()(t_three, t_labels).item()
  smooth_live = tnn.CrossEntropyLoss(label_smoothing=0.1)(t_three, t_labels).item()
compare("cross_entropy", "tutorial/three_confident", lj.cross_entropy(three, labels), live, printed="0.1763")
compare("cross_entropy", "tutorial/three_confident_smoothing",
        lj.cross_entropy(three, labels, label_smoothing=0.1), smooth_live)
"""),
    ("md", """
A second tutorial printed its random `[3, 5]` input to four decimals, with the targets `[3, 3, 0]`,
and got 2.1839. Those printed numbers give the same result to four decimals.
"""),
    ("code", """
x = jnp.array([[0.1988, -1.1513, -0.6530, -0.5703, 1.2801],
               [0.6243, -0.2132, -0.4043, -1.3649, 0.9426],
               [0.9512, -0.6280, 0.6304, 0.4150, -1.1580]])
y = jnp.array([3, 3, 0])
live = tnn.CrossEntropyLoss()(torch.tensor(np.asarray(x)), torch.tensor([3, 3, 0])).item() if HAVE_TORCH else None
compare("cross_entropy", "tutorial/randn_3x5", lj.cross_entropy(x, y), live, printed="2.1839")
"""),
    ("md", """
### `NLLLoss` after `LogSoftmax`

`CrossEntropyLoss` is `LogSoftmax` followed by `NLLLoss`, and the same holds in lossjax
(`jax.nn.log_softmax` followed by `lj.nll_loss`).
"""),
    ("code", """
x = jnp.array([[0.2630, 1.6641, 0.4839, -0.1320, 1.2639],
               [0.5138, -0.5355, 0.7273, 0.7598, 1.5475],
               [1.0940, 0.1302, 0.0469, 0.7980, 1.1153]])
y = jnp.array([1, 0, 4])
ours = lj.nll_loss(jax.nn.log_softmax(x, axis=-1), y)
live = None
if HAVE_TORCH:
  live = tnn.NLLLoss()(tnn.LogSoftmax(dim=1)(torch.tensor(np.asarray(x))), torch.tensor([1, 0, 4])).item()
compare("nll_loss", "tutorial/log_softmax_3x5", ours, live, printed="1.3336")
print("cross_entropy on the raw scores gives the same:", float(lj.cross_entropy(x, y)))
"""),
    ("md", """
### `BCELoss` and `BCEWithLogitsLoss` (with `pos_weight`)

`BCELoss` takes probabilities and `BCEWithLogitsLoss` takes logits. The logits version is the
stable one, and in lossjax it also keeps finite values and gradients at `±inf` logits. The
quick-reference tutorial's comment says 0.2824 for the logits `[2, -1, .5, -3]` with labels
`[1, 0, 1, 0]`. PyTorch computes 0.2407. `pos_weight=10` weights the positive term ten times.
"""),
    ("code", """
compare("binary_cross_entropy", "tutorial/p07_label1",
        lj.binary_cross_entropy(jnp.array([0.7]), jnp.array([1.0])),
        tnn.BCELoss()(torch.tensor([0.7]), torch.tensor([1.0])).item() if HAVE_TORCH else None)

raw = jnp.array([2.0, -1.0, 0.5, -3.0])
target = jnp.array([1.0, 0.0, 1.0, 0.0])
live = logit_live = pos_live = None
if HAVE_TORCH:
  t_raw, t_target = torch.tensor(np.asarray(raw)), torch.tensor(np.asarray(target))
  live = tnn.BCELoss()(torch.sigmoid(t_raw), t_target).item()
  logit_live = tnn.BCEWithLogitsLoss()(t_raw, t_target).item()
  pos_live = tnn.BCEWithLogitsLoss(pos_weight=torch.tensor([10.0]))(t_raw, t_target).item()
compare("binary_cross_entropy", "tutorial/sigmoid_of_logits",
        lj.binary_cross_entropy(jax.nn.sigmoid(raw), target), live, printed="0.2824")
compare("binary_cross_entropy_with_logits", "tutorial/logits",
        lj.binary_cross_entropy_with_logits(raw, target), logit_live)
compare("binary_cross_entropy_with_logits", "tutorial/logits_pos_weight_10",
        lj.binary_cross_entropy_with_logits(raw, target, pos_weight=jnp.array([10.0])), pos_live)
"""),
    ("md", """
## Margin losses: two porting traps

### `HingeEmbeddingLoss` with labels of the wrong shape

One tutorial passes a `[2, 2]` input with the labels `[1, -1]`, meaning one label per row.
PyTorch broadcasts the `[2]` labels against the `[2, 2]` input, which pairs them with the
**columns**, and returns 0.6 without a warning. lossjax refuses the shape mismatch, so you
have to say which you meant. `jnp.broadcast_to(labels, x.shape)` reproduces PyTorch's number.
`labels[:, None]` followed by a broadcast gives the per-row meaning, which is a different
number.
"""),
    ("code", """
x = jnp.array([[0.5, 0.7], [-0.3, -0.9]])
labels = jnp.array([1.0, -1.0])
try:
  lj.hinge_embedding_loss(x, labels, margin=1.0)
except ValueError as e:
  print("ValueError:", e)
live = None
if HAVE_TORCH:
  live = tnn.HingeEmbeddingLoss(margin=1.0)(torch.tensor(np.asarray(x)), torch.tensor([1, -1])).item()
compare("hinge_embedding_loss", "tutorial/labels_broadcast_over_rows",
        lj.hinge_embedding_loss(x, jnp.broadcast_to(labels, x.shape), margin=1.0), live)
print("per-row labels instead:", float(lj.hinge_embedding_loss(x, jnp.broadcast_to(labels[:, None], x.shape))))
"""),
    ("md", """
A second tutorial feeds `HingeEmbeddingLoss` a *random normal* target. PyTorch accepts it. A
label that is neither 1 nor -1 takes both branches, `x + max(0, margin - x)`, and the tutorial
printed 1.0850. lossjax raises instead, because such a label is almost certainly a bug. Under
`jit` the values are not known, and `lj.checked(...)` raises the same error as a `CheckError`.
"""),
    ("code", """
x = jnp.array([[-0.4524, 1.8945, 1.3809, -0.3340, -0.7647],
               [-0.4622, 0.2943, -0.8341, -0.3378, 0.4770],
               [-1.1703, -0.2997, 0.6076, -0.4941, 0.9926]])
noise = jnp.array([[-0.2517, -0.2383, 0.2874, 1.7514, -1.2939],
                   [-0.5958, 0.1940, 0.5979, -0.9577, 0.2096],
                   [-1.0131, 0.4979, 0.3774, -1.3164, 1.8593]])
try:
  lj.hinge_embedding_loss(x, noise)
except ValueError as e:
  print("ValueError:", e)
print("what PyTorch computed for the tutorial, x + max(0, 1 - x) averaged:",
      round(float(jnp.mean(x + jnp.maximum(0.0, 1.0 - x))), 4), "(the tutorial printed 1.0850)")
"""),
    ("md", """
### `MultiLabelMarginLoss` takes class indices, not a multi-hot vector

The tutorial's target `[1, 0, 1, 0]` looks multi-hot, but `MultiLabelMarginLoss` reads its target
as **class indices**, ended by the first -1. So this target names the classes 1, 0, 1, 0, and
the duplicates count twice. That is where 2.9 comes from. lossjax keeps the semantics, so the
number is the same. For a real multi-hot target, use `multilabel_soft_margin_loss`, or
convert the vector to indices padded with -1.
"""),
    ("code", """
scores = jnp.array([[0.1, 0.2, 0.4, 0.8]])
live = None
if HAVE_TORCH:
  live = tnn.MultiLabelMarginLoss()(torch.tensor(np.asarray(scores)), torch.tensor([[1, 0, 1, 0]])).item()
compare("multilabel_margin_loss", "tutorial/indices_1_0_1_0",
        lj.multilabel_margin_loss(scores, jnp.array([[1, 0, 1, 0]])), live)
print("what was probably meant (classes 0 and 2 as targets):",
      float(lj.multilabel_margin_loss(scores, jnp.array([[0, 2, -1, -1]]))))
"""),
    ("md", """
## Regression

The quick-reference tutorial's regression example uses predictions `[2.5, 0.5, 2, 8]` and targets
`[3, -0.5, 2, 7]`. Its comments give an MSE of 0.3750 and an L1 of 0.5000. The residuals are
`0.5, 1, 0, 1`, so the MSE is 2.25 / 4 = 0.5625 and the L1 is 0.625, which is what both PyTorch
and lossjax compute. The other tutorial's random examples, from its printed inputs, reproduce
its printed results.
"""),
    ("code", """
pred, true = jnp.array([2.5, 0.5, 2.0, 8.0]), jnp.array([3.0, -0.5, 2.0, 7.0])
live = {}
if HAVE_TORCH:
  tp, tt = torch.tensor(np.asarray(pred)), torch.tensor(np.asarray(true))
  live = {"mse": tnn.MSELoss()(tp, tt).item(), "l1": tnn.L1Loss()(tp, tt).item(),
          "sl1": tnn.SmoothL1Loss()(tp, tt).item()}
compare("mse_loss", "tutorial/four_values", lj.mse_loss(pred, true), live.get("mse"), printed="0.3750")
compare("l1_loss", "tutorial/four_values", lj.l1_loss(pred, true), live.get("l1"), printed="0.5000")
compare("smooth_l1_loss", "tutorial/four_values", lj.smooth_l1_loss(pred, true), live.get("sl1"))

mse_in = jnp.array([[-1.0470, -1.5886, 1.1301, -0.5288, -0.3676], [-0.2339, 0.6762, 0.5807, 0.2500, -0.7708]])
mse_tg = jnp.array([[-0.5139, 0.0780, -0.2450, 0.7559, 1.2605], [-0.4927, -0.5196, 1.9237, 1.5240, 0.2913]])
compare("mse_loss", "tutorial/randn_2x5", lj.mse_loss(mse_in, mse_tg),
        tnn.MSELoss()(torch.tensor(np.asarray(mse_in)), torch.tensor(np.asarray(mse_tg))).item() if HAVE_TORCH else None,
        printed="1.5305")

l1_in = jnp.array([[-1.1755, 1.5283, -0.7174, -1.3634, -0.3620, -1.2202], [-0.1568, 0.2724, 0.8901, -0.8379, -0.3100, -0.4176],
                   [0.4500, 0.8241, 0.5357, 0.4286, 1.9292, -2.2875], [1.4657, -0.6260, 1.0961, 1.7617, -0.7118, 1.3014]])
l1_tg = jnp.array([[1.4000, -0.6161, 0.4187, -0.8206, 0.9031, 0.2457], [2.3506, -0.0032, 2.6048, 0.1283, -1.4994, 1.9908],
                   [2.1236, 1.4097, -0.1516, 0.8269, 1.5431, 0.2846], [0.0561, 0.0031, 1.0905, -0.8874, 2.4385, 0.7125]])
compare("l1_loss", "tutorial/randn_4x6", lj.l1_loss(l1_in, l1_tg),
        tnn.L1Loss()(torch.tensor(np.asarray(l1_in)), torch.tensor(np.asarray(l1_tg))).item() if HAVE_TORCH else None,
        printed="1.3720")
"""),
    ("md", """
`loss.backward()` becomes `jax.grad`. The gradients equal PyTorch's too. Each fixture case stores
PyTorch's gradients, and `python -m lossjax verify` checks them. Here is the MSE gradient with
respect to the predictions:
"""),
    ("code", """
grad = jax.grad(lj.mse_loss)(pred, true)
print("d mse / d pred =", np.asarray(grad))
case = next(c for c in _fixtures.load("mse_loss")["cases"] if c["id"] == "tutorial/four_values/float32")
torch_grad = _fixtures.decode(case["results"]["mean"]["grads"]["input"])
print("PyTorch (fixture)  ", torch_grad)
assert np.allclose(grad, torch_grad, rtol=1e-6, atol=1e-7)
"""),
    ("md", """
## Embeddings and distributions

One tutorial names `TripletMarginLoss`, `CosineEmbeddingLoss` and `KLDivLoss` without data.
Here they are on small fixed inputs that are also fixture cases. For `kl_div` the input is a
**log**-probability and the target a probability, as in PyTorch. `reduction="batchmean"` is
the mathematically correct mean. `"mean"` divides by the element count, and PyTorch warns
about it.
"""),
    ("code", """
anchor = jnp.array([[1.0, 0.0, 0.5], [0.2, 0.9, -0.3]])
positive = jnp.array([[0.9, 0.1, 0.4], [0.1, 0.7, 0.1]])
negative = jnp.array([[0.8, 0.3, 0.6], [-0.5, 0.2, 0.9]])
x1, x2 = jnp.array([[1.0, 2.0, 3.0], [1.0, 0.0, 1.0]]), jnp.array([[1.5, 2.5, 2.0], [0.5, 1.0, 0.8]])
sim = jnp.array([1.0, -1.0])
log_q = jnp.log(jnp.array([[0.7, 0.2, 0.1], [0.25, 0.5, 0.25]]))
p = jnp.array([[0.6, 0.3, 0.1], [0.2, 0.6, 0.2]])
live = {}
if HAVE_TORCH:
  def T(a):
    return torch.tensor(np.asarray(a))

  live = {"triplet": tnn.TripletMarginLoss()(T(anchor), T(positive), T(negative)).item(),
          "cosine": tnn.CosineEmbeddingLoss(margin=0.2)(T(x1), T(x2), T(sim)).item(),
          "kl": tnn.KLDivLoss(reduction="batchmean")(T(log_q), T(p)).item()}
compare("triplet_margin_loss", "tutorial/two_triplets", lj.triplet_margin_loss(anchor, positive, negative),
        live.get("triplet"))
compare("cosine_embedding_loss", "tutorial/similar_and_dissimilar",
        lj.cosine_embedding_loss(x1, x2, sim, margin=0.2), live.get("cosine"))
compare("kl_div", "tutorial/two_rows", lj.kl_div(log_q, p, reduction="batchmean"), live.get("kl"),
        reduction="batchmean")
"""),
    ("md", """
## Layout: where the class axis lives

PyTorch puts classes on axis 1 (`[N, C]`, `[N, C, H, W]`). JAX code usually puts them last
(`[N, H, W, C]`), and so does lossjax by default. For `[N, C]` the two agree. For images,
either pass `axis=1` or move the axis yourself. Both give PyTorch's number.
"""),
    ("code", """
rng = np.random.default_rng(0)
logits_nchw = rng.normal(size=(2, 4, 3, 3)).astype(np.float32)
labels_nhw = rng.integers(0, 4, size=(2, 3, 3))
a = lj.cross_entropy(jnp.asarray(logits_nchw), jnp.asarray(labels_nhw), axis=1)
b = lj.cross_entropy(jnp.moveaxis(jnp.asarray(logits_nchw), 1, -1), jnp.asarray(labels_nhw))
print("axis=1:", float(a), "| classes moved last:", float(b))
if HAVE_TORCH:
  t = tnn.CrossEntropyLoss()(torch.tensor(logits_nchw), torch.tensor(labels_nhw)).item()
  print("PyTorch on [N, C, H, W]:", t)
  assert abs(t - float(a)) < 1e-6
assert abs(float(a) - float(b)) < 1e-6
"""),
    ("md", """
## One plot worth porting for: probabilities or logits

PyTorch's `BCELoss` takes probabilities and clamps each log at −100, so once
`sigmoid(x)` rounds to 0 (float32, x below about −88 for a positive target) the loss
stops at 100. Its gradient gives up earlier still: torch's backward divides by
p (1 − p) clamped at 1e-12, so below x ≈ −28 a badly wrong prediction gets almost no
gradient. `BCEWithLogitsLoss` takes the logit and stays exact: the loss keeps growing
like −x and the gradient stays −1. lossjax reproduces both, clamps included, so a ported
model trains the same; the fix is the same too: pass logits.
"""),
    ("code", """
import matplotlib.pyplot as plt

x = jnp.linspace(-120.0, 5.0, 501, dtype=jnp.float32)
one = jnp.ones_like(x)
probs = lj.binary_cross_entropy(jax.nn.sigmoid(x), one, reduction="none")
logits = lj.binary_cross_entropy_with_logits(x, one, reduction="none")
g_probs = jax.vmap(jax.grad(lambda v: lj.binary_cross_entropy(jax.nn.sigmoid(v), 1.0)))(x)
g_logits = jax.vmap(jax.grad(lambda v: lj.binary_cross_entropy_with_logits(v, 1.0)))(x)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2))
ax1.plot(x, probs, label="binary_cross_entropy(sigmoid(x))")
ax1.plot(x, logits, "--", label="binary_cross_entropy_with_logits(x)")
ax1.set(xlabel="logit x (target 1)", ylabel="loss", title="value: the -100 log clamp")
ax2.plot(x, g_probs, label="probabilities")
ax2.plot(x, g_logits, "--", label="logits")
ax2.set(xlabel="logit x (target 1)", ylabel="d loss / dx", title="gradient")
ax1.legend(fontsize=8)
ax2.legend(fontsize=8)
plt.tight_layout()
plt.show()
print(f"at x = -120: probabilities {float(probs[0]):.1f}, logits {float(logits[0]):.1f}")
assert float(probs[0]) == 100.0 and abs(float(logits[0]) - 120.0) < 1e-3
"""),
    ("md", """
## Module-style objects

If your code builds loss objects once and calls them later, `lossjax.nn` has a class for every
loss, named like PyTorch's, with the options bound at construction. The objects are immutable
and hashable, so they can be static arguments of `jax.jit`.
"""),
    ("code", """
criterion = lj.nn.CrossEntropyLoss(label_smoothing=0.1)
print(criterion, float(criterion(three, jnp.array([0, 1, 2]))))
bce = lj.nn.BCEWithLogitsLoss(pos_weight=jnp.array([10.0]))
print(bce, float(bce(raw, target)))
"""),
]
