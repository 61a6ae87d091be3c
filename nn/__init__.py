"""Neural networks on `autograd.Value`: modules, losses, optimizers, datasets, training."""
