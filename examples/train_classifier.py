#!/usr/bin/python3
"""Train a small torchvision model for one epoch straight from an ldb dataset.

The data is the demo's: scripts/demo.sh makes 200 roman-numeral images with
annotations {"class": "iv", ...}, commits them as ds:numerals and splits that
(`ldb split ... --stratify class`) into ds:numerals-train and
ds:numerals-test, in the instance build/demo/instance. After it, from the
repository root, with Debian's python3 (which has torch and torchvision):

    scripts/demo.sh
    LDB_DIR=build/demo/instance PYTHONPATH=build/python /usr/bin/python3 examples/train_classifier.py

(the demo's build makes the module in build/python; with the package
installed, `pip install --no-build-isolation --no-index ./python`, leave out
PYTHONPATH). It trains torchvision's ResNet-18 (10 classes, from scratch, on
the CPU: a few seconds) for one epoch with an ldb.torch.IterableDataset
(shuffled by seed and epoch, read ahead by 2 DataLoader workers), printing the
loss as it goes, then the accuracy on ds:numerals-test through a map-style
ldb.torch.Dataset. The demo's pictures are 8x8 noise whose class is only in
the annotation, so expect chance accuracy (about 10%): the example shows the
pipeline, not a model worth keeping.
"""

import argparse
import sys
import time

import torch
import torchvision
from torch.utils.data import DataLoader

import ldb
import ldb.torch


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", default="ds:numerals-train", help="the dataset to train on")
    parser.add_argument("--test", default="ds:numerals-test", help="the dataset to measure accuracy on")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="DataLoader worker processes")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)

    instance = ldb.Instance()
    train = instance.dataset(args.train)
    classes = sorted({member.annotation["class"] for member in train})
    print(f"{args.train}: {len(train)} images of {len(classes)} classes ({', '.join(classes)}) in {instance.path}")

    # ldb.torch gives uint8 tensors 3 x H x W (as torchvision.io.read_image); the model wants floats.
    transform = torchvision.transforms.Compose([
        torchvision.transforms.ConvertImageDtype(torch.float32),
        torchvision.transforms.Resize((32, 32)),
        torchvision.transforms.Normalize([0.5] * 3, [0.5] * 3),
    ])

    def target_transform(annotation):
        return classes.index(annotation["class"])

    train_set = ldb.torch.IterableDataset(train, seed=args.seed, transform=transform,
                                          target_transform=target_transform)
    loader = DataLoader(train_set, batch_size=args.batch_size, num_workers=args.workers)
    model = torchvision.models.resnet18(num_classes=len(classes))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_of = torch.nn.CrossEntropyLoss()

    start = time.monotonic()
    for epoch in range(args.epochs):
        train_set.set_epoch(epoch)
        model.train()
        total, correct, loss_sum = 0, 0, 0.0
        for step, (images, targets) in enumerate(loader):
            optimizer.zero_grad()
            outputs = model(images)
            loss = loss_of(outputs, targets)
            loss.backward()
            optimizer.step()
            total += len(targets)
            correct += int((outputs.argmax(1) == targets).sum())
            loss_sum += float(loss) * len(targets)
            print(f"epoch {epoch} step {step}: loss {float(loss):.3f}")
        print(f"epoch {epoch}: {total} images, mean loss {loss_sum / total:.3f}, "
              f"training accuracy {correct / total:.1%}")

    model.eval()
    test_set = ldb.torch.Dataset(args.test, transform=transform, target_transform=target_transform)
    total = correct = 0
    with torch.no_grad():
        for images, targets in DataLoader(test_set, batch_size=64, num_workers=args.workers):
            correct += int((model(images).argmax(1) == targets).sum())
            total += len(targets)
    print(f"{args.test}: accuracy {correct / total:.1%} on {total} images "
          f"({time.monotonic() - start:.1f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
