"""What the fixture references that run TRL 1.16.0's trainers share: stubs for what the
trainers' loss code reads (a model, its fused-head outputs, an accelerator of one process) and
a trainer instance made without its __init__. Not a case module (its name starts with "_")."""

from __future__ import annotations


class Outputs:
  """What TRL's fused LM head returns (`outputs.log_probs`, ...), given."""

  def __init__(self, log_probs, log_sum_sq_probs=None):
    import torch

    self.log_probs = log_probs
    self.log_sum_sq_probs = log_sum_sq_probs
    self.entropy = torch.zeros_like(log_probs.detach())
    self.mean_logits = torch.zeros_like(log_probs.detach())
    self.is_top1 = torch.zeros(log_probs.shape, dtype=torch.bool)
    self.aux_loss = None
    self.logits = None


class Model:
  """A stub model: returns the given outputs whatever it is called with."""

  training = True

  def __init__(self, outputs):
    self.outputs = outputs

  def __call__(self, *args, **kwargs):
    return self.outputs


class Accelerator:
  device = "cpu"
  num_processes = 1
  sync_gradients = True

  @staticmethod
  def gather(x):
    return x

  gather_for_metrics = gather

  @staticmethod
  def reduce(x, reduction="sum"):
    return x


def make_trainer(cls, model=None, **attributes):
  """An instance of a TRL trainer without its __init__: the attributes its loss code reads."""
  import collections

  trainer = object.__new__(cls)
  trainer.__dict__.update(model=model, accelerator=Accelerator(), aux_loss_enabled=False,
                          _metrics={m: collections.defaultdict(list) for m in ("train", "eval")},
                          _total_train_tokens=0, _tp_size=1, **attributes)
  return trainer
