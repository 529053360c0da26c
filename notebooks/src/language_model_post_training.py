"""Notebook: a tiny language model trained, distilled and preference-tuned. Cells as (kind, source) pairs."""

CELLS = [
    ("md", """
# A tiny language model: training, distillation and preference tuning

This notebook runs the three stages of a language model's life on a toy you can train on a
laptop CPU in under a minute. Every loss comes from lossjax, and the same calls scale to
real vocabularies.

1. **Pre-training.** A small model learns next-token prediction with
   `lj.linear_cross_entropy`, which never builds the `[tokens, vocab]` logits.
2. **Distillation.** A smaller student learns from the frozen teacher with
   `lj.linear_jsd_loss`, the generalized JSD between the two linear heads, computed in token
   chunks.
3. **Preference tuning.** The student is tuned on synthetic preference pairs with
   `lj.dpo_loss` and with `lj.simpo_loss`. The sequence log-probabilities come from
   `lj.linear_token_stats`.

The "language" is a random Markov chain over 64 tokens. The preference is for low-numbered
tokens: a completion wins a pair when more of its tokens are below 16.
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
t0 = time.perf_counter()
V, T = 64, 24  # vocabulary, sequence length
rng = np.random.default_rng(0)
P = rng.dirichlet(np.full(V, 0.08), size=V)  # the chain's transition matrix: peaky rows

def sample_chain(n, seed):
  r = np.random.default_rng(seed)
  x = np.zeros((n, T), np.int32)
  x[:, 0] = r.integers(0, V, size=n)
  for t in range(1, T):
    u = r.uniform(size=(n, 1))
    x[:, t] = np.minimum((np.cumsum(P[x[:, t - 1]], axis=1) < u).sum(1), V - 1)
  return jnp.asarray(x)

train, valid = sample_chain(512, 1), sample_chain(256, 2)
# The best possible next-token cross-entropy: the chain's own conditional entropy.
floor = float(np.mean([-(P[a] * np.log(P[a] + 1e-30)).sum() for a in np.asarray(valid[:, :-1]).ravel()]))
print(f"data: {train.shape[0]} sequences of {T} tokens; entropy floor {floor:.3f} nats/token")
"""),
    ("md", """
The model embeds each token and passes it through one hidden layer. Its head `W` has shape
`[V, D]`, the layout of torch's `nn.Linear`, which `linear_cross_entropy` takes as it is.
It only sees the previous token, which is all a Markov chain needs.
"""),
    ("code", """
def init(d, seed):
  k = jax.random.split(jax.random.key(seed), 3)
  return {"emb": jax.random.normal(k[0], (V, d)) / 2, "a": jax.random.normal(k[1], (d, d)) / np.sqrt(d),
          "head": jax.random.normal(k[2], (V, d)) / np.sqrt(d)}

def hidden(params, tokens):  # [..., T] -> [..., T, D]
  return jnp.tanh(params["emb"][tokens] @ params["a"])

def lm_loss(params, x):  # next-token prediction: position t predicts token t + 1
  return lj.linear_cross_entropy(hidden(params, x[:, :-1]), params["head"], x[:, 1:])

def fit(loss_fn, params, steps, lr, log_every=10):
  opt = optax.adam(lr)
  state = opt.init(params)

  @jax.jit
  def step(params, state):
    value, grads = jax.value_and_grad(loss_fn)(params)
    updates, state = opt.update(grads, state)
    return optax.apply_updates(params, updates), state, value

  history = []
  for i in range(steps):
    params, state, value = step(params, state)
    if i % log_every == 0 or i == steps - 1:
      history.append((i, float(value)))
  return params, np.array(history)

teacher, hist_teacher = fit(lambda p: lm_loss(p, train), init(32, 0), 300, 3e-2)
print(f"teacher (D=32): validation cross-entropy {float(lm_loss(teacher, valid)):.3f} "
      f"(floor {floor:.3f})")
"""),
    ("md", """
## Distillation into a smaller student

The student has D = 8. It learns from the frozen teacher's next-token distributions with
`linear_jsd_loss(student_hidden, student_head, teacher_hidden, teacher_head, beta=...)`.
β = 0 is the forward KL(teacher ‖ student) of classic distillation. β = 0.5 is the symmetric
JSD, which GKD uses on the student's own samples. For comparison, a third student of the
same size learns from the data alone.
"""),
    ("code", """
def distill_loss(params, x, beta):
  h_teacher = jax.lax.stop_gradient(hidden(teacher, x[:, :-1]))
  return lj.linear_jsd_loss(hidden(params, x[:, :-1]), params["head"], h_teacher,
                            jax.lax.stop_gradient(teacher["head"]), beta=beta, token_chunk=256)

student, hist_distill = fit(lambda p: distill_loss(p, train, 0.0), init(8, 1), 300, 3e-2)
jsd_student, hist_jsd = fit(lambda p: distill_loss(p, train, 0.5), init(8, 1), 300, 3e-2)
scratch, hist_scratch = fit(lambda p: lm_loss(p, train), init(8, 1), 300, 3e-2)
for name, p in (("teacher D=32", teacher), ("KD (β = 0) D=8", student),
                ("JSD (β = 0.5) D=8", jsd_student), ("from data D=8", scratch)):
  print(f"{name:18s} validation cross-entropy {float(lm_loss(p, valid)):.3f}")

fig, axes = plt.subplots(1, 2, figsize=(9, 3))
axes[0].plot(*hist_teacher.T, label="teacher: training cross-entropy")
axes[0].plot(*hist_scratch.T, label="small model from data: training cross-entropy")
axes[0].axhline(floor, color="k", lw=0.8, ls="--", label="entropy floor (validation data)")
axes[0].set(xlabel="step", ylabel="nats / token", title="pre-training (linear_cross_entropy)")
axes[0].legend(fontsize=7)
axes[1].plot(*hist_distill.T, color="C2", label="β = 0: KL(teacher ‖ student)")
axes[1].plot(*hist_jsd.T, color="C3", label="β = 0.5: JSD")
axes[1].set(xlabel="step", ylabel="divergence", title="distillation (linear_jsd_loss)", yscale="log")
axes[1].legend(fontsize=7)
plt.tight_layout()
plt.show()
"""),
    ("md", """
The forward KL makes the student cover every token the teacher gives mass to, so its
cross-entropy on held-out data comes close to that of the small model trained on the data.
The JSD is mode-seeking: the student drops the teacher's rare tokens, and the data punishes
that. Which one to use depends on where the samples come from. GKD uses the JSD on the
student's own generations.

## Preference tuning with DPO and SimPO

The pairs are synthetic and offline. For each prompt token, the distilled student samples
two completions of 8 tokens. The completion with more tokens below 16 is "chosen"; ties are
dropped. The policy's log-probability of a completion is the sum over its tokens of
`linear_token_stats(...).log_prob`. DPO compares it with the reference (the student before
tuning). SimPO needs no reference and uses the mean over tokens.
"""),
    ("code", """
L = 8  # completion length

def sample(params, prompts, key):
  tokens = [prompts]
  for _ in range(L):
    key, sub = jax.random.split(key)
    logits = hidden(params, tokens[-1]) @ params["head"].T
    tokens.append(jax.random.categorical(sub, logits))
  return jnp.stack(tokens, axis=1)  # [n, 1 + L]

def good_fraction(seqs):
  return float(jnp.mean(seqs[:, 1:] < 16))

prompts = jnp.asarray(np.repeat(np.arange(V), 12), jnp.int32)
a, b = sample(student, prompts, jax.random.key(10)), sample(student, prompts, jax.random.key(11))
score_a, score_b = jnp.sum(a[:, 1:] < 16, 1), jnp.sum(b[:, 1:] < 16, 1)
keep = np.asarray(score_a != score_b)
chosen = jnp.where((score_a > score_b)[:, None], a, b)[keep]
rejected = jnp.where((score_a > score_b)[:, None], b, a)[keep]
print(f"{int(keep.sum())} preference pairs; preferred tokens in the student's samples: "
      f"{good_fraction(a):.1%}")

def seq_logps(params, seqs, mean=False):
  stats = lj.linear_token_stats(hidden(params, seqs[:, :-1]), params["head"], seqs[:, 1:])
  total = jnp.sum(stats.log_prob, axis=1)
  return total / L if mean else total

ref_c, ref_r = seq_logps(student, chosen), seq_logps(student, rejected)

def dpo(params):
  return lj.dpo_loss(seq_logps(params, chosen), seq_logps(params, rejected), ref_c, ref_r, beta=0.1)

def simpo(params):
  return lj.simpo_loss(seq_logps(params, chosen, mean=True), seq_logps(params, rejected, mean=True),
                       beta=2.0, gamma=0.5)

def margin(params):  # the reward margin DPO's trainer logs: beta * (Δ_chosen - Δ_rejected)
  _, rc, rr = lj.dpo_loss(seq_logps(params, chosen), seq_logps(params, rejected), ref_c, ref_r,
                          beta=0.1, return_rewards=True)
  return float(jnp.mean(rc - rr))

runs = {}
for name, loss_fn in (("DPO", dpo), ("SimPO", simpo)):
  checkpoints = []
  params = student
  for _ in range(6):  # 6 x 25 steps, recording the reward margin and the samples in between
    checkpoints.append((margin(params), good_fraction(sample(params, prompts, jax.random.key(20)))))
    params, hist = fit(loss_fn, params, 25, 1e-2, log_every=5)
  checkpoints.append((margin(params), good_fraction(sample(params, prompts, jax.random.key(20)))))
  runs[name] = (params, np.array(checkpoints))
  print(f"{name}: preferred tokens in fresh samples {checkpoints[0][1]:.1%} -> {checkpoints[-1][1]:.1%}")
"""),
    ("code", """
steps = np.arange(7) * 25
fig, axes = plt.subplots(1, 2, figsize=(9, 3))
for name, (_, ck) in runs.items():
  axes[0].plot(steps, ck[:, 0], marker="o", label=name)
  axes[1].plot(steps, ck[:, 1], marker="o", label=name)
axes[0].set(xlabel="step", ylabel="β (Δ chosen − Δ rejected)", title="reward margin on the pairs")
axes[1].set(xlabel="step", ylabel="fraction of tokens < 16", title="preferred tokens in fresh samples")
for ax in axes:
  ax.legend(fontsize=7)
plt.tight_layout()
plt.show()
print(f"whole notebook: {time.perf_counter() - t0:.1f} s")
"""),
    ("md", """
What to take from it:

- With β = 0, `linear_jsd_loss` is classic distillation (forward KL). The symmetric JSD
  (β = 0.5) gives a different student, not a worse version of the same one.
- `linear_cross_entropy` and `linear_jsd_loss` take the hidden states and the head, not the
  logits. At a real vocabulary (128k) and batch (8k tokens) that removes the gigabytes of
  `[tokens, vocab]` matrices: see `BENCHMARKS.md` and the tests' compiled-memory checks.
- `linear_token_stats` gives the per-token log-probabilities that every preference and RL
  loss starts from, also without the logits, and with gradients.
- `dpo_loss` and `simpo_loss` both raise the margin between chosen and rejected
  completions, and with it the share of preferred tokens in fresh samples (printed above).
  DPO measures its rewards against a reference policy. SimPO needs none: it uses
  length-normalised log-probabilities and a target margin γ.
"""),
]
