"""PyTorch datasets over ldb selections (SPEC section 11).

    import ldb.torch
    from torch.utils.data import DataLoader

    train = ldb.torch.IterableDataset("ds:numerals-train", seed=1, transform=resize)
    for epoch in range(10):
        train.set_epoch(epoch)  # optional: each iteration is a new epoch anyway
        for images, targets in DataLoader(train, batch_size=64, num_workers=2):
            ...

`Dataset` is map-style (len() and [i]; shuffle it with the DataLoader's
sampler, DistributedSampler across ranks). `IterableDataset` shuffles by
itself: a permutation drawn from (seed, epoch), split between the distributed
ranks and then between each rank's DataLoader workers, so that in one epoch
every member is read exactly once over all of them; each worker reads its
share `read_ahead` members ahead on threads of its own, so that a slow backend
(S3) does not stall training, and there is no shuffle buffer to fill before the
first batch.

A sample is (image, target). With decode=True the image is a uint8 tensor of
shape 3 x H x W, as torchvision.io.read_image gives (the same pixels as PIL's
decode of the file, EXIF orientation applied), decoded in C++ without the
GIL; with decode=False it is the file's bytes. The target is the member's
annotation as a dict (None when it has none). `transform` and
`target_transform` are applied to each.

Each process reads through an ldb Session of its own, opened on its first
read: a DataLoader worker never uses the Session of the process it was forked
from. A member that cannot be read (its file was deleted or changed after it
was indexed) raises an ldb.Error naming the object and its path; a dataset that
does not exist raises ldb.NotFoundError.
"""

import json
import multiprocessing
import os

import numpy as np
import torch
import torch.utils.data

import ldb
from ldb import _ldb

__all__ = ["Dataset", "IterableDataset"]


def _selection_of(source):
    if isinstance(source, str):
        return ldb.Instance().dataset(source)
    if isinstance(source, ldb.Selection):
        return source
    raise TypeError(f"ldb.torch takes an ldb.Selection or a 'ds:NAME[.vN]' string, not {type(source).__name__}")


class _Reader:
    """A selection's members read through a Session of the calling process."""

    def __init__(self, source, decode, transform, target_transform):
        self.selection = _selection_of(source)
        self.members = self.selection.members
        self.decode = bool(decode)
        self.transform = transform
        self.target_transform = target_transform
        self._pid = None

    def session(self):
        # Opened again in a process forked from the one that opened it.
        pid = os.getpid()
        if self._pid != pid:
            self._pid = pid
            if torch.utils.data.get_worker_info() is not None:
                # A DataLoader worker allocates and frees a batch of decoded pictures (about 1 MB each) at a
                # time; by default each is mapped afresh and its pages faulted in (0.3 ms a picture).
                _ldb.keep_freed_memory()
        return self.selection._session()

    def sample(self, index, value):
        image = torch.from_numpy(value).permute(2, 0, 1) if self.decode else value
        text = self.members.annotation(index)
        target = None if text is None else json.loads(text)
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def load(self, index):
        return self.sample(index, _ldb.load(self.session(), self.members, index, self.decode))


class Dataset(torch.utils.data.Dataset):
    """Map-style: dataset[i] is (image, target) of the selection's i-th member."""

    def __init__(self, source, transform=None, target_transform=None, decode=True):
        self._reader = _Reader(source, decode, transform, target_transform)

    def __len__(self):
        return len(self._reader.members)

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} members")
        return self._reader.load(index % len(self))


def _rank_and_world():
    """This process's distributed rank and the world size: torch.distributed's
    when it is initialised, else $RANK and $WORLD_SIZE (as torchrun sets them),
    else 0 and 1."""
    dist = torch.distributed
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    rank, world = int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))
    if world < 1 or not 0 <= rank < world:
        raise ValueError(f"RANK={rank} and WORLD_SIZE={world} do not make a rank of a world")
    return rank, world


class _Epochs:
    """The epoch each iteration reads, agreed on by the DataLoader's workers.

    The workers are separate processes that each start an iteration (call
    __iter__) once per epoch, so the count lives in shared memory: an
    iteration takes the current epoch, and the last of the `workers`
    iterations of an epoch moves it on. set_epoch() fixes it instead, also
    for persistent workers, which do not see later changes to the dataset
    object itself.
    """

    def __init__(self):
        # [the epoch set_epoch() fixed, or -1; the next epoch; iterations of it started]
        # From the spawn context, whatever start method the DataLoader uses:
        # its lock is a named semaphore that a spawned or forkserver worker
        # reopens by name. The default (fork) context's is unlinked at once,
        # and a spawned worker that unpickled it crashed on its first use.
        # A forked worker inherits either kind.
        self._shared = multiprocessing.get_context("spawn").Array("q", [-1, 0, 0])

    def set(self, epoch):
        with self._shared.get_lock():
            self._shared[0] = int(epoch)

    def start(self, workers):
        with self._shared.get_lock():
            if self._shared[0] >= 0:
                return self._shared[0]
            epoch = self._shared[1]
            self._shared[2] += 1
            if self._shared[2] >= workers:
                self._shared[1] += 1
                self._shared[2] = 0
            return epoch


class IterableDataset(torch.utils.data.IterableDataset):
    """Streams (image, target) samples: shuffled per epoch from (seed, epoch),
    sharded by distributed rank and DataLoader worker, read ahead in parallel.

    len() is the number of samples this rank yields in an epoch. Ranks may
    differ by one sample (no member is repeated to even them out).
    """

    def __init__(self, source, shuffle=True, seed=0, transform=None, target_transform=None, decode=True,
                 read_ahead=16):
        if read_ahead < 1:
            raise ValueError(f"read_ahead must be at least 1, not {read_ahead}")
        self._reader = _Reader(source, decode, transform, target_transform)
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.read_ahead = int(read_ahead)
        self._epochs = _Epochs()

    def set_epoch(self, epoch):
        """Reads epoch `epoch`'s order from now on (as DistributedSampler.set_epoch)."""
        if epoch < 0:
            raise ValueError(f"epoch must be 0 or more, not {epoch}")
        self._epochs.set(epoch)

    def order(self, epoch):
        """The order of all members in `epoch` before sharding: member indices."""
        count = len(self._reader.members)
        if not self.shuffle:
            return np.arange(count, dtype=np.int64)
        generator = np.random.Generator(np.random.PCG64(np.random.SeedSequence([self.seed, epoch])))
        return generator.permutation(count).astype(np.int64, copy=False)

    def __len__(self):
        rank, world = _rank_and_world()
        return len(range(rank, len(self._reader.members), world))

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        rank, world = _rank_and_world()
        share = self.order(self._epochs.start(workers))[rank::world][worker::workers]
        reader = self._reader
        # The DataLoader's workers share the cores: each decodes on its share of them.
        decoders = max(1, len(os.sched_getaffinity(0)) // workers)
        prefetcher = _ldb.Prefetcher(reader.session(), reader.members, share, decode=reader.decode,
                                     depth=self.read_ahead, decoders=decoders)
        try:
            for index, value in prefetcher:
                yield reader.sample(index, value)
        finally:
            prefetcher.close()
