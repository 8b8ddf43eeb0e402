#!/usr/bin/env python3
"""PyTorch's side of scripts/bench-dinov2: DINOv2 forward throughput on the CPU, as dgm-eval runs it.

The model is torch hub's `dinov2_vit{s,b,l}14` built from a local checkout of
facebookresearch/dinov2 (`torch.hub.load(SRC, 'dinov2_vitl14', source='local', pretrained=False)`:
random weights, whose values do not change the speed). Each image goes through dgm-eval's
`DINOv2Encoder.transform`: PIL `open(...).convert('RGB')`, torchvision `Resize((224, 224), BICUBIC)`,
`ToTensor`, `Normalize` with ImageNet's mean and std. Batches of `--batch` images run under
`torch.no_grad()` with `torch.set_num_threads(--threads)`.

Prints, like `fidviz-bench --dinov2-forward`:
  per batch: seconds (decode + transform, and forward);
  `steady s/image`: the batches after the first (warm-up) batch, decode + transform + forward;
  `all s/image`: every batch, from the first decode to the last forward.

    python3 scripts/bench-dinov2-torch.py --src /tmp/dinov2-src --images 32 --batch 8 DIR
"""
import argparse
import os
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", help="images (the first --images files, sorted by name)")
    parser.add_argument("--src", required=True, help="a checkout of facebookresearch/dinov2 (hubconf.py at its top)")
    parser.add_argument("--size", default="vitl14", choices=["vits14", "vitb14", "vitl14"])
    parser.add_argument("--images", type=int, default=32)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    process_start = time.perf_counter()

    import torch
    import torchvision.transforms as TF
    from PIL import Image

    torch.set_num_threads(args.threads)
    # The hub code imports xformers when present; it is absent on a CPU machine, and its
    # fallback is PyTorch's own scaled_dot_product_attention.
    os.environ.setdefault("XFORMERS_DISABLED", "1")
    build_start = time.perf_counter()
    model = torch.hub.load(args.src, f"dinov2_{args.size}", source="local", pretrained=False)
    model.eval()
    build = time.perf_counter() - build_start

    # dgm-eval's DINOv2Encoder.transform.
    transform = TF.Compose([
        TF.Resize((224, 224), interpolation=TF.InterpolationMode.BICUBIC),
        TF.ToTensor(),
        TF.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    ])
    names = sorted(n for n in os.listdir(args.folder) if n.lower().endswith((".png", ".jpg", ".jpeg", ".webp")))
    if len(names) < args.images:
        sys.exit(f"bench-dinov2-torch: {args.folder} has {len(names)} images, --images {args.images} asked for")
    paths = [os.path.join(args.folder, n) for n in names[: args.images]]

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"MKL {torch.backends.mkl.is_available()}, CPU capability {torch.backends.cpu.get_cpu_capability()}")
    print(f"model dinov2_{args.size} built in {build:.2f} s (random weights)")
    batch_seconds = []
    features = 0
    with torch.no_grad():
        for start in range(0, len(paths), args.batch):
            t0 = time.perf_counter()
            x = torch.stack([transform(Image.open(p).convert("RGB")) for p in paths[start : start + args.batch]])
            t1 = time.perf_counter()
            out = model(x)
            t2 = time.perf_counter()
            features = out.shape[1]
            batch_seconds.append((len(x), t2 - t0))
            print(f"batch {start // args.batch}: {len(x)} images, decode+transform {t1 - t0:.2f} s, "
                  f"forward {t2 - t1:.2f} s ({(t2 - t0) / len(x):.3f} s/image)", flush=True)
    total_images = sum(n for n, _ in batch_seconds)
    total = sum(s for _, s in batch_seconds)
    steady = batch_seconds[1:] or batch_seconds
    steady_per_image = sum(s for _, s in steady) / sum(n for n, _ in steady)
    print(f"features: [{total_images}, {features}]")
    print(f"steady s/image: {steady_per_image:.4f}")
    print(f"all s/image: {total / total_images:.4f}")
    print(f"process so far: {time.perf_counter() - process_start:.2f} s (after interpreter start)")


if __name__ == "__main__":
    main()
