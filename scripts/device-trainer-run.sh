#!/usr/bin/env bash
# On a GPU machine (issue 15, part 5): the PyTorch trainer (python/xsample_playground) on the demo set, 300 steps at
# batch 256 for CLIP and X-Sample, on CUDA and on the CPU, from the same seed, so that images/s and the loss curves
# can be compared. Needs only python3 with torch there, and, carried from this machine (both are made by
# `npm install`): public/demo/fluent-emoji-flat.zip and public/models/use-lite/demo-captions.{json,bin} (the X-Sample
# graph is then the app's sentence-encoder graph). Writes the run zips' histories and a summary to $OUT when set.
set -u
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/trainer-out}
mkdir -p "$out"
export PYTHONPATH=python PYTHONUNBUFFERED=1
py=${PYTHON:-python3}
steps=${STEPS:-300}
batch=${BATCH:-256}
"$py" -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")'
"$py" -m xsample_playground.from_imagefolder --zip public/demo/fluent-emoji-flat.zip \
  --vectors public/models/use-lite/demo-captions.json --out /tmp/demo-shards || exit 1
echo "=== CUDA: $steps steps, batch $batch"
timeout 240 "$py" -m xsample_playground.train --data /tmp/demo-shards --objectives clip,xsample --steps "$steps" \
  --batch "$batch" --device cuda --out /tmp/run-cuda
echo "=== CPU ($(nproc) threads): $steps steps, batch $batch"
timeout 300 "$py" -m xsample_playground.train --data /tmp/demo-shards --objectives clip,xsample --steps "$steps" \
  --batch "$batch" --device cpu --threads "$(nproc)" --out /tmp/run-cpu
"$py" - "$out" <<'PY'
import json, sys, zipfile, os
out = sys.argv[1]
summary = {}
for dev in ("cuda", "cpu"):
    for o in ("clip", "xsample"):
        path = f"/tmp/run-{dev}/{o}.zip"
        if not os.path.exists(path):
            continue
        h = json.loads(zipfile.ZipFile(path).read("history.json"))
        ms = sorted(x["ms"] for x in h[1:])
        last = [x["loss"] for x in h[-10:]]
        summary[f"{dev}/{o}"] = {"steps": len(h), "first_loss": h[0]["loss"], "mean_last10_loss": sum(last) / len(last),
                                  "median_ms": ms[len(ms) // 2], "images_per_s": h and 1000 * int(os.environ.get("BATCH", "256")) / ms[len(ms) // 2]}
        with open(os.path.join(out, f"history-{dev}-{o}.json"), "w") as f:
            json.dump(h, f)
for k, v in summary.items():
    print(f"{k:14s} steps {v['steps']:4d}  loss {v['first_loss']:.4f} -> {v['mean_last10_loss']:.4f} (mean of last 10)  {v['median_ms']:.1f} ms/step  {v['images_per_s']:.0f} images/s")
for o in ("clip", "xsample"):
    a, b = summary.get(f"cuda/{o}"), summary.get(f"cpu/{o}")
    if a and b:
        print(f"{o}: final loss CUDA - CPU = {a['mean_last10_loss'] - b['mean_last10_loss']:+.4f}")
json.dump(summary, open(os.path.join(out, "trainer-summary.json"), "w"), indent=1)
PY
