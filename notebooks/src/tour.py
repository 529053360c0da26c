"""Notebook: a tour of every family. Cells as (kind, source) pairs; see notebooks/build.py."""

CELLS = [
    ("md", """
# A tour of lossjax, one family at a time

Each section puts the losses of one family side by side. It plots each loss and its
gradient against the one quantity that matters for it: the margin of the true class, a
residual, a distance, a score gap. The shape of these curves is the reason to pick one
loss over another. Each point is one call to the public function, differentiated with
`jax.grad`, so the gradients shown are exactly those a training step sees.
"""),
    ("code", """
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import lossjax as lj

jax.config.update("jax_enable_x64", False)
plt.rcParams.update({"figure.dpi": 80, "axes.grid": True, "grid.alpha": 0.3, "font.size": 9})


def curves(fns, xs, title, xlabel, ylim=None, gylim=None):
  \"\"\"Plots each scalar function of one variable and its derivative, over xs.\"\"\"
  fig, (ax_l, ax_g) = plt.subplots(1, 2, figsize=(9, 3))
  for name, fn in fns.items():
    value, grad = jax.vmap(jax.value_and_grad(fn))(xs)
    assert bool(jnp.all(jnp.isfinite(grad))), name  # finite everywhere, edges included
    ax_l.plot(xs, value, label=name)
    ax_g.plot(xs, grad, label=name)
  ax_l.set(title=f"{title}: loss", xlabel=xlabel, ylim=ylim)
  ax_g.set(title=f"{title}: gradient", xlabel=xlabel, ylim=gylim)
  ax_l.legend(fontsize=7)
  fig.tight_layout()
  plt.show()
"""),
    ("md", """
## Classification: cross-entropy, focal, Poly-1, generalized cross-entropy

A two-class problem with logits `[z, 0]` and the true class 0, so `z` is the margin of
the true class. Cross-entropy keeps pushing on examples that are already right. Focal
loss (γ = 2) switches them off: its gradient is nearly zero once `z > 2`, which leaves the
budget to the hard examples. Poly-1 (ε = 1) adds a linear term that pushes harder on the
easy side than cross-entropy does. The generalized cross-entropy (q = 0.7) is bounded on
the wrong side (`z ≪ 0`): a mislabeled example cannot pull without limit, which is why it
is used with noisy labels.
"""),
    ("code", """
def two_class(loss, **kw):
  return lambda z: loss(jnp.stack([z, 0.0])[None], jnp.array([0]), **kw)

z = jnp.linspace(-6.0, 6.0, 241)
curves({
    "cross_entropy": two_class(lj.cross_entropy),
    "softmax_focal_loss γ=2": two_class(lj.softmax_focal_loss, gamma=2.0),
    "poly1_cross_entropy ε=1": two_class(lj.poly1_cross_entropy, epsilon=1.0),
    "generalized_cross_entropy q=0.7": two_class(lj.generalized_cross_entropy, q=0.7),
}, z, "classification", "margin z of the true class", ylim=(0, 7))
"""),
    ("md", """
The binary losses take one logit per example. `sigmoid_focal_loss` (torchvision's, with
α = 0.25) against `binary_cross_entropy_with_logits`, for a positive target. The margin
losses of the next section measure the same logit in a different way.
"""),
    ("code", """
one = jnp.ones((1,))
curves({
    "binary_cross_entropy_with_logits": lambda x: lj.binary_cross_entropy_with_logits(x[None], one),
    "sigmoid_focal_loss α=0.25 γ=2": lambda x: lj.sigmoid_focal_loss(x[None], one),
    "sigmoid_focal_loss α=-1 (no α) γ=2": lambda x: lj.sigmoid_focal_loss(x[None], one, alpha=-1.0),
}, z, "binary", "logit x (target 1)", ylim=(0, 7))
"""),
    ("md", """
Cross-entropy is also the one loss whose cost grows with the vocabulary. At 131,072
classes lossjax computes its log-sum-exp in vocabulary chunks (see `BENCHMARKS.md`);
`linear_cross_entropy` goes further and never forms the logits at all. Both give the
same number as the plain formula:
"""),
    ("code", """
kh, kw_, ky = jax.random.split(jax.random.key(0), 3)
hidden = jax.random.normal(kh, (64, 32))
weight = jax.random.normal(kw_, (5000, 32)) / 6  # [V, D], torch's (nn.Linear's) layout
labels = jax.random.randint(ky, (64,), 0, 5000)
full = lj.cross_entropy(hidden @ weight.T, labels)
fused = lj.linear_cross_entropy(hidden, weight, labels, vocab_chunk=1024)
print(f"cross_entropy(h @ W.T) = {float(full):.6f}   linear_cross_entropy(h, W) = {float(fused):.6f}")
assert abs(float(full) - float(fused)) < 1e-5
"""),
    ("md", """
## Regression: MSE, L1, Huber, smooth L1, log-cosh, Charbonnier

The loss of a residual `r = input - target`. MSE's gradient grows without bound, so one
outlier can dominate a batch. L1's gradient is constant but jumps at 0. Huber (δ = 1) and
smooth L1 (β = 2 for both here) are quadratic near 0 and linear beyond. PyTorch's
`SmoothL1Loss` is Huber divided by β, so the gradient panel shows smooth L1 levelling off at
a slope of 1 and Huber at δ = 2. Log-cosh
and Charbonnier (ε = 0.1 here, to make the rounding visible) are smooth versions of the
same idea.
"""),
    ("code", """
zero = jnp.zeros((1,))
r = jnp.linspace(-3.0, 3.0, 241)
curves({
    "mse_loss": lambda x: lj.mse_loss(x[None], zero),
    "l1_loss": lambda x: lj.l1_loss(x[None], zero),
    "huber_loss δ=2": lambda x: lj.huber_loss(x[None], zero, delta=2.0),
    "smooth_l1_loss β=2": lambda x: lj.smooth_l1_loss(x[None], zero, beta=2.0),
    "log_cosh_loss": lambda x: lj.log_cosh_loss(x[None], zero),
    "charbonnier_loss ε=0.1": lambda x: lj.charbonnier_loss(x[None], zero, eps=0.1),
}, r, "regression", "residual r", ylim=(0, 4.5))
"""),
    ("md", """
## Margin losses: hinge, soft margin, margin ranking, multi-class margin

`hinge_embedding_loss` with target −1 is `max(0, margin − x)`: nothing at all beyond
the margin, a constant slope inside it. `soft_margin_loss` is its smooth version,
`log(1 + exp(−y·x))`. `margin_ranking_loss` applies the hinge to a difference of two
scores; `multi_margin_loss` to the gap between the true class and each other class.
"""),
    ("code", """
neg = -jnp.ones((1,))
curves({
    "hinge_embedding_loss (y=-1, margin 1)": lambda x: lj.hinge_embedding_loss(x[None], neg),
    "soft_margin_loss (y=1)": lambda x: lj.soft_margin_loss(x[None], one),
    "margin_ranking_loss (x vs 0, margin 1)":
        lambda x: lj.margin_ranking_loss(x[None], zero, one, margin=1.0),
    "multi_margin_loss ([x, 0], class 0)":
        lambda x: lj.multi_margin_loss(jnp.stack([x, 0.0])[None], jnp.array([0])),
}, z, "margin", "score x (or margin of the true class)", ylim=(0, 7))
"""),
    ("md", """
## Probabilistic: KL, Jensen-Shannon, Poisson and Gaussian NLL

A Bernoulli prediction with logit `x` against a target probability of 0.3. KL is
`kl_div(log q, p)` in PyTorch's argument order (log-probabilities first). Jensen-Shannon
is symmetric and bounded by log 2, so its gradient fades for confident wrong predictions,
as the plot shows. The NLLs are plotted against the predicted log-rate (Poisson, count 3)
and the predicted variance (Gaussian, residual 1): both are minimised where the
prediction matches the data.
"""),
    ("code", """
target = jnp.array([[0.3, 0.7]])
def bernoulli_log(x):
  return jax.nn.log_softmax(jnp.stack([x, 0.0]))[None]

curves({
    "kl_div(log q, p)": lambda x: lj.kl_div(bernoulli_log(x), target, reduction="batchmean"),
    # log_input=True: both arguments are log-probabilities.
    "js_divergence": lambda x: lj.js_divergence(bernoulli_log(x), jnp.log(target), log_input=True),
}, z, "probabilistic", "logit x of q (target p = 0.3)")

log_rate = jnp.linspace(-2.0, 3.5, 221)
variance = jnp.linspace(0.05, 4.0, 221)
fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3))
a.plot(log_rate, jax.vmap(lambda v: lj.poisson_nll_loss(v[None], jnp.array([3.0])))(log_rate))
a.axvline(np.log(3.0), ls=":", c="k")
a.set(title="poisson_nll_loss (count 3)", xlabel="predicted log-rate")
b.plot(variance, jax.vmap(lambda v: lj.gaussian_nll_loss(one, zero, v[None]))(variance))
b.axvline(1.0, ls=":", c="k")
b.set(title="gaussian_nll_loss (residual 1)", xlabel="predicted variance")
fig.tight_layout()
plt.show()
"""),
    ("md", """
## Embeddings: triplet, contrastive, cosine embedding, InfoNCE

The anchor is at the origin and the positive at distance 0.5; the negative moves away
along another axis. The triplet loss (margin 1) is zero once the negative is 1.5 away,
1 further than the positive. The contrastive loss of a negative pair is zero beyond its
margin (1). `cosine_embedding_loss` of a negative pair depends on the angle only.
"""),
    ("code", """
def along(d, axis):
  return jnp.zeros((1, 3)).at[0, axis].set(d)

anchor, positive = jnp.zeros((1, 3)), along(0.5, 0)
d = jnp.linspace(0.01, 2.5, 200)
curves({
    "triplet_margin_loss (margin 1)": lambda t: lj.triplet_margin_loss(anchor, positive, along(t, 1)),
    "contrastive_loss, negative pair": lambda t: lj.contrastive_loss(anchor, along(t, 1), jnp.array([0])),
}, d, "embedding", "distance of the negative")

theta = jnp.linspace(0.0, np.pi, 181)
curves({
    "cosine_embedding_loss y=+1": lambda t: lj.cosine_embedding_loss(
        along(1.0, 0), jnp.stack([jnp.cos(t), jnp.sin(t), 0.0])[None], one),
    "cosine_embedding_loss y=-1, margin 0.5": lambda t: lj.cosine_embedding_loss(
        along(1.0, 0), jnp.stack([jnp.cos(t), jnp.sin(t), 0.0])[None], neg, margin=0.5),
}, theta, "cosine embedding", "angle between the pair (radians)")
"""),
    ("md", """
InfoNCE scores two views of a batch against each other: each embedding must pick out its
own pair among the others. The temperature sets how sharply. Here the pairs are well
separated, so a low temperature sends the loss toward 0. With hard negatives, the same low
temperature would let the hardest ones dominate.
"""),
    ("code", """
k1, k2 = jax.random.split(jax.random.key(1))
view_a = jax.random.normal(k1, (32, 16))
view_b = view_a + 0.5 * jax.random.normal(k2, view_a.shape)
for t in (0.05, 0.1, 0.5, 1.0):
  value = lj.info_nce_loss(view_a, view_b, temperature=t)
  print(f"temperature {t:4}:  info_nce_loss = {float(value):.4f}")
"""),
    ("md", """
## Sequences: CTC

A 12-frame input over a vocabulary of 4 symbols (0 is the blank) and the target `1 2 2`.
The curve follows the loss as the frames' logits move toward one valid alignment. The
second print is an impossible alignment: a target longer than the input. PyTorch's loss is
`inf` there. With `zero_infinity=True` it becomes 0, and its gradient stays finite.
"""),
    ("code", """
T, C = 12, 4
path = jnp.array([0, 1, 1, 0, 2, 2, 0, 0, 2, 0, 0, 0])  # one alignment of "1 2 2"
tgt = jnp.array([[1, 2, 2]])

def ctc_at(strength, lengths=(T, 3), **kw):
  logits = strength * jax.nn.one_hot(path, C)[:, None, :]  # [T, N=1, C]
  return lj.ctc_loss(jax.nn.log_softmax(logits), tgt, jnp.array([lengths[0]]),
                     jnp.array([lengths[1]]), **kw)

curves({"ctc_loss": ctc_at}, jnp.linspace(0.0, 8.0, 81), "CTC", "logit boost along the alignment")
print("impossible alignment:", float(ctc_at(1.0, lengths=(2, 3))),
      "| zero_infinity:", float(ctc_at(1.0, lengths=(2, 3), zero_infinity=True)),
      "| its gradient:", float(jax.grad(lambda s: ctc_at(s, lengths=(2, 3), zero_infinity=True))(1.0)))
"""),
    ("md", """
## Segmentation: dice, Jaccard, Tversky, focal Tversky, Lovász hinge

A 24×24 disc, predicted by logits `4·(2·mask − 1) + b`. The bias `b` moves every pixel's
logit at once: `b < 0` predicts too little of the disc, `b > 0` too much. BCE is the
reference. The overlap losses are measured on the whole mask. Dice and Jaccard treat both
errors alike. Tversky with α = 0.3, β = 0.7 punishes the missed pixels (false negatives)
more than the extra ones, so its curve is steeper on the left. The Lovász hinge
optimises the Jaccard index through hinge errors.
"""),
    ("code", """
yy, xx = np.mgrid[:24, :24]
mask = jnp.asarray(((yy - 11.5) ** 2 + (xx - 11.5) ** 2 < 7.0 ** 2).astype(np.float32))[None]

def seg(loss, **kw):
  return lambda b: loss(4.0 * (2.0 * mask - 1.0) + b, mask, **kw)

bias = jnp.linspace(-8.0, 8.0, 161)
curves({
    "binary_cross_entropy_with_logits": seg(lj.binary_cross_entropy_with_logits),
    "dice_loss": seg(lj.dice_loss, mode="binary"),
    "jaccard_loss": seg(lj.jaccard_loss, mode="binary"),
    "tversky_loss α=0.3 β=0.7": seg(lj.tversky_loss, mode="binary", alpha=0.3, beta=0.7),
    "focal_tversky_loss": seg(lj.focal_tversky_loss, mode="binary"),
    "lovasz_hinge_loss": seg(lj.lovasz_hinge_loss),
}, bias, "segmentation", "logit bias b (<0: too little, >0: too much)")
fig, axes = plt.subplots(1, 3, figsize=(6, 2))
for ax, b in zip(axes, (-5.0, 0.0, 5.0)):
  ax.imshow(jax.nn.sigmoid(4.0 * (2.0 * mask[0] - 1.0) + b), vmin=0, vmax=1, cmap="gray")
  ax.set(title=f"b = {b}", xticks=[], yticks=[])
plt.show()
"""),
    ("md", """
## Ranking: softmax (ListNet), pairwise logistic (RankNet), pairwise hinge, ListMLE

A list of two documents, the relevant one scored `s` and the other 0. The losses are
plotted against the score gap. The pairwise hinge stops at a gap of 1. The others keep
asking for a larger gap, ever more softly. With two documents, the softmax, pairwise
logistic and ListMLE losses are all `log(1 + exp(−s))`, so their curves overlap. They
differ on longer lists with graded relevance, as the numbers after the plot show.
"""),
    ("code", """
rel = jnp.array([[1.0, 0.0]])
def ranked(loss, **kw):
  return lambda s: loss(jnp.stack([s, 0.0])[None], rel, **kw)

curves({
    "softmax_ranking_loss": ranked(lj.softmax_ranking_loss),
    "pairwise_logistic_loss": ranked(lj.pairwise_logistic_loss),
    "pairwise_hinge_loss (margin 1)": ranked(lj.pairwise_hinge_loss),
    "listmle_loss": ranked(lj.listmle_loss),
}, z, "ranking", "score gap of the relevant document", ylim=(0, 7))

scores = jnp.array([[2.0, 1.5, 0.3, -0.2, -1.0, 0.8]])
graded = jnp.array([[3.0, 0.0, 2.0, 1.0, 0.0, 0.0]])
for loss in (lj.softmax_ranking_loss, lj.pairwise_logistic_loss, lj.pairwise_hinge_loss, lj.listmle_loss):
  print(f"{loss.__name__:24s} {float(loss(scores, graded)):.4f}")
"""),
    ("md", """
## Everything in one place

`lj.REGISTRY` (or `python -m lossjax list`) lists every loss with its family and its
PyTorch twin:
"""),
    ("code", """
from collections import Counter
print(Counter(spec.family for spec in lj.REGISTRY.values()))
"""),
]
