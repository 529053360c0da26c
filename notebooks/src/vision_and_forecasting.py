"""Notebook: choosing among the vision, metric-learning and forecasting losses. Cells as (kind, source) pairs."""

CELLS = [
    ("md", """
# Margins, structure and quantiles: three plots that help choose a loss

Three questions people ask when they pick a loss outside language models, each answered with
a small experiment that runs on a laptop CPU in seconds:

1. **ArcFace or CosFace?** Both add a margin to the target class of a softmax over cosines.
   ArcFace adds it to the angle, CosFace to the cosine. What does that do to the target
   logit, and to the embeddings a model learns?
2. **SSIM or MSE?** Three corruptions of one image with the same mean squared error. Which
   ones does SSIM call similar?
3. **Quantile loss.** One model, nine quantiles, trained at once: a forecast fan that widens
   where the noise grows.
"""),
    ("code", """
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import optax

import lossjax as lj

plt.rcParams.update({"figure.dpi": 80, "axes.grid": True, "grid.alpha": 0.3, "font.size": 9})
"""),
    ("md", """
## 1. ArcFace and CosFace margins

The target logit as a function of the angle θ between an embedding and its class centre,
with the scale s = 1: plain softmax uses cos θ, CosFace cos θ − m, and ArcFace cos(θ + m)
(with its fallback cos θ − m sin m beyond θ = π − m, which keeps it decreasing). ArcFace's
margin is constant in angle, so it is largest in cosine near θ = π/2 and vanishes at θ = 0.
"""),
    ("code", """
theta = np.linspace(0, np.pi, 400)
m_arc, m_cos = 0.5, 0.35
arc = np.where(theta <= np.pi - m_arc, np.cos(theta + m_arc), np.cos(theta) - m_arc * np.sin(m_arc))
fig, ax = plt.subplots(figsize=(5.5, 3.2))
ax.plot(theta, np.cos(theta), label="softmax: cos θ", color="0.5")
ax.plot(theta, np.cos(theta) - m_cos, label=f"CosFace: cos θ − {m_cos}")
ax.plot(theta, arc, label=f"ArcFace: cos(θ + {m_arc})")
ax.set_xlabel("angle θ to the class centre (radians)")
ax.set_ylabel("target logit / s")
ax.legend()
plt.show()
"""),
    ("md", """
Now a toy: three overlapping classes of points in 2-D, mapped by a small MLP to 2-D
embeddings, with three learnable class centres. Each loss trains the same model from the
same start for 600 Adam steps. The plot shows the angle of every embedding: the margins pull each class into a
tighter arc than plain softmax cross-entropy does (`cosface_loss` with m = 0 is exactly the
scaled softmax over cosines).
"""),
    ("code", """
rng = np.random.default_rng(0)
centres = np.array([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]])
labels = jnp.asarray(np.repeat(np.arange(3), 60), jnp.int32)
points = jnp.asarray(centres[np.asarray(labels)] + rng.normal(size=(180, 2)) * 0.9, jnp.float32)

def embed(p, x):
  return jnp.tanh(x @ p["w1"] + p["b1"]) @ p["w2"]

def train(loss_fn):
  r = np.random.default_rng(3)  # the same start for every loss
  params = {"w1": jnp.asarray(r.normal(size=(2, 32)) / 1.4, jnp.float32),
            "b1": jnp.zeros(32, jnp.float32),
            "w2": jnp.asarray(r.normal(size=(32, 2)) / 6, jnp.float32),
            "centres": jnp.asarray(r.normal(size=(3, 2)), jnp.float32)}
  opt = optax.adam(0.02)
  state = opt.init(params)

  @jax.jit
  def step(params, state):
    loss, grads = jax.value_and_grad(
        lambda p: loss_fn(embed(p, points), labels, p["centres"]))(params)
    updates, state = opt.update(grads, state)
    return optax.apply_updates(params, updates), state, loss

  for _ in range(600):
    params, state, loss = step(params, state)
  return np.asarray(embed(params, points)), float(loss)

runs = {
    "softmax (CosFace, m = 0)": lambda x, y, w: lj.cosface_loss(x, y, w, scale=8.0, margin=0.0),
    "CosFace, m = 0.35": lambda x, y, w: lj.cosface_loss(x, y, w, scale=8.0, margin=0.35),
    "ArcFace, m = 0.5": lambda x, y, w: lj.arcface_loss(x, y, w, scale=8.0, margin=0.5),
}
fig, axes = plt.subplots(1, 3, figsize=(9.5, 3.2), subplot_kw={"projection": "polar"})
for ax, (name, fn) in zip(axes, runs.items()):
  emb, loss = train(fn)
  angle = np.arctan2(emb[:, 1], emb[:, 0])
  for c in range(3):
    sel = np.asarray(labels) == c
    ax.scatter(angle[sel], np.ones(sel.sum()) + 0.05 * c, s=6)
  spread = np.mean([np.std(np.unwrap(angle[np.asarray(labels) == c])) for c in range(3)])
  ax.set_title(f"{name}\\nmean angular spread {np.degrees(spread):.0f}°", fontsize=8)
  ax.set_yticklabels([])
  print(f"{name:26s} final loss {loss:.3f}, mean angular spread {np.degrees(spread):.1f} degrees")
plt.tight_layout()
plt.show()
"""),
    ("md", """
## 2. SSIM and MSE on the same image

A synthetic 64 × 64 image, corrupted three ways, each scaled to the same mean squared error
(0.005): a brightness shift, Gaussian noise and a blur. MSE cannot tell them apart; SSIM
(`lj.ssim_loss`, kornia's definition; 0 means identical) calls the brightness shift nearly
harmless and the noise the worst, closer to what a person sees.
"""),
    ("code", """
yy, xx = np.mgrid[0:64, 0:64] / 63.0
image = 0.3 + 0.4 * xx + 0.25 * ((xx - 0.6) ** 2 + (yy - 0.4) ** 2 < 0.05) - 0.2 * (np.abs(yy - 0.75) < 0.05)
image = np.clip(image, 0, 1)
blur_kernel = np.outer(*[np.exp(-np.arange(-3, 4) ** 2 / 4.0)] * 2)
blur_kernel /= blur_kernel.sum()
padded = np.pad(image, 3, mode="reflect")
blurred = sum(blur_kernel[i, j] * padded[i:i + 64, j:j + 64] for i in range(7) for j in range(7))
target_mse = 0.005
corruptions = {
    "brightness": np.ones_like(image),
    "noise": np.random.default_rng(1).normal(size=image.shape),
    "blur": blurred - image,
}
fig, axes = plt.subplots(1, 4, figsize=(10, 2.8))
axes[0].imshow(image, cmap="gray", vmin=0, vmax=1)
axes[0].set_title("original")
ref = jnp.asarray(image[None, :, :, None], jnp.float32)
for ax, (name, delta) in zip(axes[1:], corruptions.items()):
  corrupted = image + delta * np.sqrt(target_mse / np.mean(delta ** 2))
  x = jnp.asarray(corrupted[None, :, :, None], jnp.float32)
  mse, dssim = float(lj.mse_loss(x, ref)), float(lj.ssim_loss(x, ref))
  ax.imshow(corrupted, cmap="gray", vmin=0, vmax=1)
  ax.set_title(f"{name}\\nMSE {mse:.4f}, SSIM loss {dssim:.3f}", fontsize=8)
  print(f"{name:10s} MSE {mse:.4f}  SSIM loss {dssim:.4f}")
for ax in axes:
  ax.set_xticks([])
  ax.set_yticks([])
plt.tight_layout()
plt.show()
"""),
    ("md", """
## 3. A quantile fan

Data whose noise grows with x. A linear model on a few features predicts nine quantiles at
once; `lj.quantile_loss(pred, y, quantiles=q)` takes the `[N, 9]` predictions and the `[N]`
targets. Each quantile line should have about its share of the points below it.
"""),
    ("code", """
r = np.random.default_rng(2)
x = np.sort(r.uniform(0, 1, size=400))
y = np.sin(4 * x) + (0.1 + 0.6 * x) * r.normal(size=400)
feats = jnp.asarray(np.stack([np.ones_like(x), x, x ** 2, np.sin(4 * x), np.cos(4 * x)], 1), jnp.float32)
qs = jnp.linspace(0.1, 0.9, 9, dtype=jnp.float32)
target = jnp.asarray(y, jnp.float32)
coef = jnp.zeros((5, 9), jnp.float32)
opt = optax.adam(0.05)
state = opt.init(coef)

@jax.jit
def step(coef, state):
  loss, g = jax.value_and_grad(lambda c: lj.quantile_loss(feats @ c, target, quantiles=qs))(coef)
  updates, state = opt.update(g, state)
  return optax.apply_updates(coef, updates), state, loss

for _ in range(1500):
  coef, state, loss = step(coef, state)
pred = np.asarray(feats @ coef)
coverage = (np.asarray(target)[:, None] <= pred).mean(0)
fig, ax = plt.subplots(figsize=(5.5, 3.4))
ax.scatter(x, y, s=4, color="0.6")
for i in range(4):
  ax.fill_between(x, pred[:, i], pred[:, 8 - i], alpha=0.15, color="C0", lw=0)
ax.plot(x, pred[:, 4], color="C0", label="median")
ax.set_xlabel("x")
ax.legend()
plt.show()
print("quantile :", " ".join(f"{q:.1f}" for q in np.asarray(qs)))
print("coverage :", " ".join(f"{c:.2f}" for c in coverage))
"""),
]
