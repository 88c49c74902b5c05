#!/usr/bin/python3
"""Training speed of liteforge's lenet and mbv2-small architectures in PyTorch,
for comparison with `go test -bench TrainStep ./train` on the same machine:
one step is forward, cross-entropy, backward and an Adam update on random
28x28 single-channel images; prints images per second.

    /usr/bin/python3 scripts/torch_train_speed.py --arch mbv2-small --batch 256 --threads 2
"""
import argparse
import time

import torch
import torch.nn as nn


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def conv_bn(cin, cout, k, stride=1, groups=1, act=True):
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if act:
        layers.append(nn.ReLU6())
    return layers


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        h = cin * 6
        self.body = nn.Sequential(*conv_bn(cin, h, 1), *conv_bn(h, h, 3, stride, groups=h),
                                  *conv_bn(h, cout, 1, act=False))
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


def mbv2_small():
    blocks = [InvertedResidual(a, b, s) for a, b, s in
              [(16, 24, 2), (24, 24, 1), (24, 32, 2), (32, 32, 1), (32, 64, 1)]]
    return nn.Sequential(*conv_bn(1, 16, 3), *blocks, *conv_bn(64, 128, 1),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 10))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", default="lenet", choices=["lenet", "mbv2-small"])
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = lenet() if a.arch == "lenet" else mbv2_small()
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(a.batch, 1, 28, 28)
    y = torch.randint(0, 10, (a.batch,))

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(a.warmup):
        step()
    start = time.perf_counter()
    for _ in range(a.steps):
        step()
    secs = time.perf_counter() - start
    print(f"torch {torch.__version__} {a.arch} batch {a.batch} threads {a.threads}: "
          f"{a.steps * a.batch / secs:.1f} images/s ({secs / a.steps * 1000:.1f} ms/step)")


if __name__ == "__main__":
    main()
