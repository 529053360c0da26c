"""Notebook: diffusion, flow matching and GANs on 2-D data. Cells as (kind, source) pairs."""

CELLS = [
    ("md", """
# Generative models on 2-D data: diffusion, flow matching and GANs

Three families of generative objectives, each trained for a few seconds on a CPU on the same
data, eight Gaussians on a ring:

1. **Diffusion.** One small network (about 5,000 parameters) trained four ways: predicting the
   noise ε, predicting v, each with and without min-SNR-γ weighting (`lj.diffusion_loss`).
2. **Flow matching.** The same network regressed onto the straight path's velocity
   (`lj.flow_matching_loss`), sampled with 40 Euler steps.
3. **GANs.** A generator and a discriminator trained with the non-saturating and with the
   hinge loss (`lj.gan_generator_loss`, `lj.gan_discriminator_loss`), both with the R1 penalty
   (`lj.r1_penalty`).
"""),
    ("code", """
import time

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import optax

import lossjax as lj

plt.rcParams.update({"figure.dpi": 80, "axes.grid": True, "grid.alpha": 0.3, "font.size": 9})
start = time.perf_counter()


def ring(key, n):
  # eight Gaussians on a circle of radius 2
  k1, k2 = jax.random.split(key)
  angle = jax.random.randint(k1, (n,), 0, 8) * (2 * jnp.pi / 8)
  centre = 2.0 * jnp.stack([jnp.cos(angle), jnp.sin(angle)], axis=1)
  return centre + 0.12 * jax.random.normal(k2, (n, 2))


def mlp_init(key, sizes):
  keys = jax.random.split(key, len(sizes) - 1)
  return [(jax.random.normal(k, (a, b)) / jnp.sqrt(a), jnp.zeros(b))
          for k, a, b in zip(keys, sizes[:-1], sizes[1:])]


def mlp(params, x):
  for w, b in params[:-1]:
    x = jax.nn.silu(x @ w + b)
  w, b = params[-1]
  return x @ w + b


def features(x, t):
  # the sample and a few Fourier features of the time t in [0, 1]
  freqs = jnp.array([1.0, 2.0, 4.0, 8.0])
  return jnp.concatenate([x, jnp.sin(t[:, None] * freqs), jnp.cos(t[:, None] * freqs)], axis=1)


def train(loss_fn, params, steps, lr=1e-2, seed=0):
  opt = optax.adam(optax.cosine_decay_schedule(lr, steps))
  state = opt.init(params)

  @jax.jit
  def step(params, state, key):
    loss, grads = jax.value_and_grad(loss_fn)(params, key)
    updates, state = opt.update(grads, state)
    return optax.apply_updates(params, updates), state, loss

  losses = []
  for key in jax.random.split(jax.random.key(seed), steps):
    params, state, loss = step(params, state, key)
    losses.append(loss)
  return params, np.asarray(losses)


net = mlp_init(jax.random.key(1), [10, 64, 64, 2])
print("parameters:", sum(w.size + b.size for w, b in net))
"""),
    ("md", """
## 1. Diffusion: ε or v, with or without min-SNR

A cosine schedule of T = 100 steps gives each timestep its $\\bar\\alpha_t$. The model sees
$x_t = \\sqrt{\\bar\\alpha_t}\\,x_0 + \\sqrt{1-\\bar\\alpha_t}\\,\\varepsilon$ and the time;
`diffusion_loss` builds the target of the prediction type and, with `weighting="min_snr"`,
weighs each example by $\\min(\\mathrm{SNR}, 5)/\\mathrm{SNR}$ for ε or
$\\min(\\mathrm{SNR}, 5)/(\\mathrm{SNR} + 1)$ for v. Sampling is deterministic DDIM from
pure noise.
"""),
    ("code", """
T = 100
s = 0.008
f = jnp.cos((jnp.arange(T + 1) / T + s) / (1 + s) * jnp.pi / 2) ** 2
alphas_cumprod = jnp.clip(f[1:] / f[0], 1e-4, 0.9999)   # ᾱ_t for t = 1..T


def diffusion_objective(prediction_type, weighting):
  def loss_fn(params, key):
    k1, k2, k3 = jax.random.split(key, 3)
    x0 = ring(k1, 256)
    t = jax.random.randint(k2, (256,), 0, T)
    eps = jax.random.normal(k3, x0.shape)
    abar = alphas_cumprod[t]
    xt = jnp.sqrt(abar)[:, None] * x0 + jnp.sqrt(1 - abar)[:, None] * eps
    out = mlp(params, features(xt, t / T))
    return lj.diffusion_loss(out, x0, eps, abar, prediction_type=prediction_type,
                             weighting=weighting, snr_gamma=5.0)
  return loss_fn


def ddim_sample(params, prediction_type, key, n=1000):
  x = jax.random.normal(key, (n, 2))
  for t in range(T - 1, -1, -1):
    abar = alphas_cumprod[t]
    out = mlp(params, features(x, jnp.full((n,), t / T)))
    if prediction_type == "epsilon":
      eps = out
      x0 = (x - jnp.sqrt(1 - abar) * eps) / jnp.sqrt(abar)
    else:  # v = √ᾱ ε - √(1-ᾱ) x0
      x0 = jnp.sqrt(abar) * x - jnp.sqrt(1 - abar) * out
      eps = jnp.sqrt(1 - abar) * x + jnp.sqrt(abar) * out
    abar_prev = alphas_cumprod[t - 1] if t > 0 else 1.0
    x = jnp.sqrt(abar_prev) * x0 + jnp.sqrt(1 - abar_prev) * eps
  return np.asarray(x)


runs = {}
for prediction_type in ("epsilon", "v_prediction"):
  for weighting in ("none", "min_snr"):
    params, losses = train(diffusion_objective(prediction_type, weighting), net, 3000)
    runs[(prediction_type, weighting)] = (
        losses, ddim_sample(params, prediction_type, jax.random.key(7)))
"""),
    ("code", """
data = np.asarray(ring(jax.random.key(3), 1000))
fig, axes = plt.subplots(1, 5, figsize=(15, 3))
axes[0].scatter(*data.T, s=2, color="0.3")
axes[0].set_title("data")
for ax, ((prediction_type, weighting), (_, samples)) in zip(axes[1:], runs.items()):
  ax.scatter(*samples.T, s=2)
  ax.set_title(f"{prediction_type}, {weighting}")
for ax in axes:
  ax.set_xlim(-3, 3)
  ax.set_ylim(-3, 3)
  ax.set_aspect("equal")
plt.show()

fig, ax = plt.subplots(figsize=(6, 3))
for (prediction_type, weighting), (losses, _) in runs.items():
  smooth = np.convolve(losses, np.ones(50) / 50, mode="valid")
  ax.plot(smooth, label=f"{prediction_type}, {weighting}")
ax.set_yscale("log")
ax.set_xlabel("step")
ax.set_ylabel("training loss (moving mean of 50)")
ax.legend()
plt.show()
"""),
    ("md", """
The curves are not comparable across weightings: min-SNR divides the ε-loss of the noisiest
timesteps' examples by their SNR ceiling, so its numbers are smaller by construction. The
samples are what to compare.

## 2. Flow matching

The straight path from noise $x_0$ to data $x_1$, $x_t = t x_1 + (1 - t) x_0$, has the
velocity $x_1 - x_0$; `flow_matching_sample` gives both, and `flow_matching_loss` regresses
the network onto it. Sampling integrates $dx/dt = v(x, t)$ from $t = 0$ to 1 with Euler
steps.
"""),
    ("code", """
def flow_objective(params, key):
  k1, k2, k3 = jax.random.split(key, 3)
  x1 = ring(k1, 256)
  x0 = jax.random.normal(k2, x1.shape)
  t = jax.random.uniform(k3, (256,))
  xt, _ = lj.flow_matching_sample(x0, x1, t)
  return lj.flow_matching_loss(mlp(params, features(xt, t)), x0, x1, t)


flow_params, flow_losses = train(flow_objective, net, 3000)
x = jax.random.normal(jax.random.key(7), (1000, 2))
steps = 40
for i in range(steps):
  x = x + mlp(flow_params, features(x, jnp.full((1000,), i / steps))) / steps

fig, axes = plt.subplots(1, 2, figsize=(7, 3))
axes[0].scatter(*np.asarray(x).T, s=2)
axes[0].set_title("flow matching, 40 Euler steps")
axes[0].set_xlim(-3, 3)
axes[0].set_ylim(-3, 3)
axes[0].set_aspect("equal")
axes[1].plot(np.convolve(flow_losses, np.ones(50) / 50, mode="valid"))
axes[1].set_xlabel("step")
axes[1].set_title("flow-matching loss")
plt.show()
"""),
    ("md", """
## 3. GANs: non-saturating or hinge, with R1

The generator maps 4-D Gaussian noise to the plane; the discriminator returns one logit per
point. Each discriminator step adds the R1 penalty $\\frac{\\gamma}{2}\\|\\nabla_x D(x)\\|^2$
on the real points (`lj.r1_penalty`, γ = 0.1), which takes the discriminator as a function
and differentiates it inside.
"""),
    ("code", """
def gan(formulation, steps=2000, seed=0):
  kg, kd = jax.random.split(jax.random.key(seed))
  g_params = mlp_init(kg, [4, 64, 64, 2])
  d_params = mlp_init(kd, [2, 64, 64, 1])
  g_opt, d_opt = optax.adam(2e-3, b1=0.5), optax.adam(2e-3, b1=0.5)
  g_state, d_state = g_opt.init(g_params), d_opt.init(d_params)

  def d_loss(d_params, g_params, key):
    k1, k2 = jax.random.split(key)
    real = ring(k1, 256)
    fake = mlp(g_params, jax.random.normal(k2, (256, 4)))
    def critic(x):
      return mlp(d_params, x)[:, 0]

    return (lj.gan_discriminator_loss(critic(real), critic(fake), formulation=formulation)
            + lj.r1_penalty(real, critic=critic, gamma=0.1))

  def g_loss(g_params, d_params, key):
    fake = mlp(g_params, jax.random.normal(key, (256, 4)))
    return lj.gan_generator_loss(mlp(d_params, fake)[:, 0], formulation=formulation)

  @jax.jit
  def step(g_params, d_params, g_state, d_state, key):
    kd, kg = jax.random.split(key)
    dl, dg = jax.value_and_grad(d_loss)(d_params, g_params, kd)
    updates, d_state = d_opt.update(dg, d_state)
    d_params = optax.apply_updates(d_params, updates)
    gl, gg = jax.value_and_grad(g_loss)(g_params, d_params, kg)
    updates, g_state = g_opt.update(gg, g_state)
    return optax.apply_updates(g_params, updates), d_params, g_state, d_state, dl, gl

  history = []
  for key in jax.random.split(jax.random.key(seed + 1), steps):
    g_params, d_params, g_state, d_state, dl, gl = step(g_params, d_params, g_state, d_state,
                                                        key)
    history.append((dl, gl))
  samples = mlp(g_params, jax.random.normal(jax.random.key(9), (1000, 4)))
  return np.asarray(samples), np.asarray(history)


gans = {f: gan(f) for f in ("non_saturating", "hinge")}
fig, axes = plt.subplots(1, 4, figsize=(14, 3))
for i, (formulation, (samples, history)) in enumerate(gans.items()):
  ax = axes[2 * i]
  ax.scatter(*data.T, s=2, color="0.8")
  ax.scatter(*samples.T, s=2)
  ax.set_title(f"{formulation} + R1")
  ax.set_xlim(-3, 3)
  ax.set_ylim(-3, 3)
  ax.set_aspect("equal")
  ax = axes[2 * i + 1]
  ax.plot(np.convolve(history[:, 0], np.ones(50) / 50, mode="valid"), label="discriminator")
  ax.plot(np.convolve(history[:, 1], np.ones(50) / 50, mode="valid"), label="generator")
  ax.set_xlabel("step")
  ax.legend()
plt.show()
print(f"the whole notebook ran in {time.perf_counter() - start:.0f} s")
"""),
]
