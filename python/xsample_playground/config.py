"""The app's TrainConfig (src/core/config.ts): defaults, merging a partial config, each objective's augmentation
recipe and the objective predicates."""
import copy
import json
import math

OBJECTIVES = ("clip", "xsample", "siglip", "simclr", "xclip")

DEFAULT_MODEL = {
    "imageSize": 32,
    "patchSize": 4,
    "width": 64,
    "depth": 2,
    "heads": 4,
    "mlpRatio": 2,
    "projDim": 64,
    "textWidth": 64,
    "textDepth": 1,
    "maxTokens": 12,
}

DEFAULT_AUGMENT = {
    "minCropScale": 0.5,
    "flipProb": 0.5,
    "brightness": 0.2,
    "contrast": 0.2,
    "saturation": 0.2,
}

# open_clip's training transform: RandomResizedCrop scale (0.9, 1), ratio (3/4, 4/3), no flip, no colour jitter.
OPEN_CLIP_AUGMENT = {
    "minCropScale": 0.9,
    "flipProb": 0,
    "brightness": 0,
    "contrast": 0,
    "saturation": 0,
}

AUGMENT_RECIPES = ("open_clip", "session")
# The registry's recipes (src/core/registry/*.ts): the image-text objectives train with open_clip's transform, the
# two-view ones (SimCLR, X-Sample) with the session's augmentation (SimCLR-style by default).
OBJECTIVE_RECIPES = {"clip": "open_clip", "siglip": "open_clip", "xclip": "open_clip", "xsample": "session", "simclr": "session"}

DEFAULT_CONFIG = {
    "objective": "xsample",
    "batchSize": 32,
    "steps": 300,
    "lr": 1e-3,
    "minLrRatio": 0.05,
    "warmupSteps": 20,
    "weightDecay": 0.05,
    "beta1": 0.9,
    "beta2": 0.98,
    "eps": 1e-6,
    "tau": 0.1,
    "tauS": 0.1,
    "graph": "encoder",
    "centreGraph": True,
    "seed": 0,
    "backend": "auto",
    "evalEvery": 50,
    "vizEvery": 25,
    "probeSize": 48,
    "model": DEFAULT_MODEL,
    "augment": DEFAULT_AUGMENT,
    "sameAugment": False,
    "clipScaleFromTau": False,
}


def with_defaults(partial=None):
    """withDefaults(): the defaults overridden by `partial` (model and augment merged key by key); without an
    augmentRecipe, the one its objective and sameAugment give."""
    partial = partial or {}
    cfg = copy.deepcopy(DEFAULT_CONFIG)
    for k, v in partial.items():
        if k in ("model", "augment"):
            cfg[k].update(v or {})
        else:
            cfg[k] = v
    if "augmentRecipe" not in partial:
        cfg["augmentRecipe"] = recipe_of(cfg, cfg["objective"])
    if cfg["augmentRecipe"] not in AUGMENT_RECIPES:
        raise ValueError(f"augmentRecipe must be one of {', '.join(AUGMENT_RECIPES)} (got {cfg['augmentRecipe']!r})")
    return cfg


def recipe_of(settings, objective):
    """The augmentation recipe a run of `objective` uses: its own, or the session's with sameAugment."""
    return "session" if settings.get("sameAugment") else OBJECTIVE_RECIPES.get(objective, "session")


def run_config(settings, objective):
    """runConfig(): a run's config from the session's settings (or another run's config) and its objective."""
    cfg = copy.deepcopy(settings)
    cfg["objective"] = objective
    cfg["augmentRecipe"] = recipe_of(cfg, objective)
    return cfg


def run_augment(cfg):
    """runAugment(): the augmentation a run trains with, its recipe's."""
    return OPEN_CLIP_AUGMENT if cfg["augmentRecipe"] == "open_clip" else cfg["augment"]


def clip_init_log_scale(cfg, open_clip_init):
    """CLIP's (and xclip's) logit scale at the start: open_clip's ln(1/0.07), or ln(1/tau) with clipScaleFromTau."""
    return math.log(1 / cfg["tau"]) if cfg.get("clipScaleFromTau") else open_clip_init


def load_config(path):
    """A config from the app: either an exported run's config.json ({"config": {...}, ...}) or a bare TrainConfig."""
    with open(path, encoding="utf-8") as f:
        obj = json.load(f)
    if isinstance(obj, dict) and isinstance(obj.get("config"), dict):
        obj = obj["config"]
    try:
        return with_defaults(obj)
    except ValueError as e:
        raise ValueError(f"{path}: config: {e}") from None


def uses_text_tower(objective):
    return objective in ("clip", "siglip", "xclip")


def uses_graph(objective):
    return objective in ("xsample", "xclip")


def uses_two_views(objective):
    return objective in ("xsample", "simclr")
