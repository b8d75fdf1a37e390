"""X-Sample Playground's trainer in PyTorch: the browser app's model, objectives, augmentation and AdamW, step for step.

Modules: config (the app's TrainConfig and defaults), rng (the app's mulberry32 streams), tokenizer, model (ViT and text
tower under the app's parameter names), objectives, optim (AdamW + schedule), augment, data (tar shards), safetensors,
export (run zip), train (the CLI, single process or torchrun/DDP).
"""

__version__ = "0.1.0"
