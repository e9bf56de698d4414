"""ldb.torch and reading members: Member.read(), the pixels against PIL's,
epochs that read every member exactly once over ranks and DataLoader workers,
the order per (seed, epoch), transforms, and the failures (a file deleted
after indexing, a dataset that does not exist, a killed worker) as errors
that name what failed, never a hang. S3 through s3rver when it is installed."""

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

import numpy as np
import pytest
import torch
from PIL import Image, ImageOps
from torch.utils.data import DataLoader

import ldb
import ldb.torch
from ldb import _ldb
from conftest import md5, write_file

TESTDATA = os.environ.get("LDB_TESTDATA_DIR") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")
CLASSES = ["cat", "dog", "bird"]
COUNT = 37  # prime: no world size or worker count divides it


def small_image(i, fmt):
    """A distinct small picture: 24x16 RGB noise (grey for every fifth) as JPEG or PNG bytes."""
    rng = np.random.default_rng(i)
    mode = "L" if i % 5 == 4 else "RGB"
    shape = (16, 24) if mode == "L" else (16, 24, 3)
    picture = Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode)
    out = io.BytesIO()
    picture.save(out, fmt, quality=90)
    return out.getvalue()


def make_pairs(folder, count):
    for i in range(count):
        ext = "png" if i % 3 == 0 else "jpg"
        write_file(os.path.join(folder, f"img{i:02d}.{ext}"), small_image(i, "PNG" if ext == "png" else "JPEG"))
        write_file(os.path.join(folder, f"img{i:02d}.json"), json.dumps({"class": CLASSES[i % 3], "n": i}))


@pytest.fixture
def pics(tmp_path, ldb_cli, instance_dir):
    """ds:pics.v1: COUNT strict pairs data/imgNN.{jpg,png} + .json ({"class", "n": NN})."""
    make_pairs(str(tmp_path / "data"), COUNT)
    ldb_cli.run("index", str(tmp_path / "data"))
    ws = str(tmp_path / "ws")
    os.makedirs(ws)
    ldb_cli.run("stage", "ds:pics", cwd=ws)
    ldb_cli.run("add", "ds:root", cwd=ws)
    ldb_cli.run("commit", "-m", "pictures", cwd=ws)
    return ldb.Instance()


def ns_of(loader):
    """The annotations' n of every sample the loader yields, in order."""
    out = []
    for _, targets in loader:
        out += [int(n) for n in targets["n"]]
    return out


# --- Member.read() and decoding -------------------------------------------------------------------------------


def test_member_read_gives_the_files_bytes(pics):
    for member in pics.dataset("ds:pics"):
        with open(member.path, "rb") as f:
            assert member.read() == f.read()


def test_member_read_names_the_object_and_path_of_a_deleted_or_changed_file(pics):
    members = pics.dataset("ds:pics", sort="n")
    os.remove(members[3].path)
    with pytest.raises(ldb.NotFoundError) as caught:
        members[3].read()
    assert members[3].id in caught.value.message and members[3].path in caught.value.message
    assert "ldb index" in caught.value.hint
    with open(members[4].path, "ab") as f:
        f.write(b"changed")
    with pytest.raises(ldb.CorruptionError) as caught:
        members[4].read()
    assert members[4].id in caught.value.message and members[4].path in caught.value.message
    assert "index" in caught.value.hint


def pil_chw(path):
    """PIL's decode of `path` as displayed (EXIF orientation applied), RGB, as a 3 x H x W tensor."""
    with Image.open(path) as picture:
        rgb = ImageOps.exif_transpose(picture).convert("RGB")
        return torch.from_numpy(np.array(rgb)).permute(2, 0, 1)


@pytest.fixture
def photos(tmp_path, ldb_cli, instance_dir):
    """ds:root of the repository's real photos (JPEG and PNG, 300x225 to 1352x900), one of them
    saved again with EXIF orientation 6 (displayed turned), each with {"name"}."""
    data = tmp_path / "data"
    names = sorted(n for n in os.listdir(os.path.join(TESTDATA, "photos"))
                   if n.endswith((".jpg", ".png")) and n != "truncated.jpg")
    for name in names:
        shutil.copy(os.path.join(TESTDATA, "photos", name), data / name)
    with Image.open(data / "dog.jpg") as dog:
        exif = Image.Exif()
        exif[0x0112] = 6
        dog.save(data / "dog_turned.jpg", quality=90, exif=exif.tobytes())
    names.append("dog_turned.jpg")
    for name in names:
        write_file(str(data / (os.path.splitext(name)[0] + ".json")), json.dumps({"name": name}))
    ldb_cli.run("index", str(data))
    return ldb.Instance().select("ds:root")


def test_decoded_images_equal_pils_pixel_for_pixel(photos):
    dataset = ldb.torch.Dataset(photos)
    assert len(dataset) == len(photos) == 13
    turned = 0
    for i in range(len(dataset)):
        image, target = dataset[i]
        assert image.dtype == torch.uint8 and image.shape[0] == 3
        expected = pil_chw(photos[i].path)
        assert image.shape == expected.shape, target["name"]
        assert torch.equal(image, expected), target["name"]
        turned += target["name"] == "dog_turned.jpg"
        if target["name"] == "dog_turned.jpg":
            with Image.open(photos[i].path) as stored:
                assert image.shape[1:] == (stored.width, stored.height)  # displayed turned
    assert turned == 1


def test_decode_image_gives_height_width_3_and_names_what_does_not_decode(photos):
    path = photos[0].path
    with open(path, "rb") as f:
        data = f.read()
    pixels = _ldb.decode_image(data, path)
    assert pixels.dtype == np.uint8 and pixels.ndim == 3 and pixels.shape[2] == 3
    assert torch.equal(torch.from_numpy(pixels).permute(2, 0, 1), pil_chw(path))
    with pytest.raises(ldb.InvalidArgumentError) as caught:
        _ldb.decode_image(data[:len(data) // 2], "half.jpg")
    assert "half.jpg" in caught.value.message


def test_decode_false_gives_bytes_and_the_target_is_the_annotation(pics):
    selection = pics.dataset("ds:pics")
    dataset = ldb.torch.Dataset(selection, decode=False)
    for i in (0, 5, len(dataset) - 1, -1):
        data, target = dataset[i]
        with open(selection[i].path, "rb") as f:
            assert data == f.read()
        assert target == selection[i].annotation
    with pytest.raises(IndexError):
        dataset[len(dataset)]


def test_transform_and_target_transform(pics):
    dataset = ldb.torch.Dataset("ds:pics", transform=lambda image: image.float() / 255,
                                target_transform=lambda a: CLASSES.index(a["class"]))
    image, target = dataset[0]
    assert image.dtype == torch.float32 and image.shape == (3, 16, 24) and float(image.max()) <= 1.0
    assert target == CLASSES.index(ldb.Instance().dataset("ds:pics")[0].annotation["class"])
    images, targets = next(iter(DataLoader(dataset, batch_size=8, num_workers=2)))
    assert images.shape == (8, 3, 16, 24) and targets.dtype == torch.int64


def test_map_style_dataset_with_workers_and_a_sampler(pics):
    dataset = ldb.torch.Dataset("ds:pics", decode=False)
    loader = DataLoader(dataset, batch_size=5, num_workers=2, shuffle=True)
    assert sorted(ns_of(loader)) == list(range(COUNT))


# --- epochs: every member once, over ranks and workers --------------------------------------------------------


def epoch_of(monkeypatch, make, world, workers, **loader_args):
    """One epoch read by every simulated rank (RANK/WORLD_SIZE, as torchrun sets them) of `world`, each with
    its own dataset (made by make()) and a DataLoader with `workers` workers: the n of each sample per rank."""
    per_rank = []
    monkeypatch.setenv("WORLD_SIZE", str(world))
    for rank in range(world):
        monkeypatch.setenv("RANK", str(rank))
        dataset = make()
        ns = ns_of(DataLoader(dataset, batch_size=4, num_workers=workers, **loader_args))
        assert len(ns) == len(dataset)
        per_rank.append(ns)
    return per_rank


@pytest.mark.parametrize("world", [1, 2, 3])
@pytest.mark.parametrize("workers", [0, 1, 2])
def test_an_epoch_reads_every_member_exactly_once(pics, monkeypatch, world, workers):
    per_rank = epoch_of(monkeypatch, lambda: ldb.torch.IterableDataset("ds:pics", seed=7, decode=False), world,
                        workers)
    everything = [n for ns in per_rank for n in ns]
    assert sorted(everything) == list(range(COUNT))
    sizes = [len(ns) for ns in per_rank]
    assert max(sizes) - min(sizes) <= 1


def test_each_epoch_has_its_own_order_and_a_seed_repeats_it(pics):
    def orders(dataset, epochs, **loader_args):
        loader = DataLoader(dataset, batch_size=4, num_workers=2, **loader_args)
        return [ns_of(loader) for _ in range(epochs)]

    first = orders(ldb.torch.IterableDataset("ds:pics", seed=1, decode=False), 3)
    assert all(sorted(o) == list(range(COUNT)) for o in first)
    assert first[0] != first[1] and first[1] != first[2] and first[0] != first[2]
    # The same seed: the same orders, epoch by epoch; persistent workers too.
    assert orders(ldb.torch.IterableDataset("ds:pics", seed=1, decode=False), 3) == first
    persistent = orders(ldb.torch.IterableDataset("ds:pics", seed=1, decode=False), 3, persistent_workers=True)
    assert persistent == first
    # set_epoch() picks an epoch, as DistributedSampler's does; it reaches persistent workers.
    fixed = ldb.torch.IterableDataset("ds:pics", seed=1, decode=False)
    loader = DataLoader(fixed, batch_size=4, num_workers=2, persistent_workers=True)
    fixed.set_epoch(2)
    assert ns_of(loader) == first[2]
    fixed.set_epoch(0)
    assert ns_of(loader) == first[0]
    assert ns_of(loader) == first[0]
    # Another seed, another order; no shuffle: the selection's order.
    assert orders(ldb.torch.IterableDataset("ds:pics", seed=2, decode=False), 1)[0] != first[0]
    in_order = ldb.torch.IterableDataset(ldb.Instance().dataset("ds:pics", sort="n"), shuffle=False, decode=False)
    assert ns_of(DataLoader(in_order, batch_size=4)) == list(range(COUNT))


@pytest.mark.parametrize("context", ["spawn", "forkserver"])
def test_workers_started_by_spawn_or_forkserver(pics, context):
    # The epoch counter is shared with workers that unpickle the dataset
    # (CUDA users choose spawn): the same orders as forked workers read.
    def orders(**loader_args):
        loader = DataLoader(ldb.torch.IterableDataset("ds:pics", seed=5, decode=False), batch_size=4, num_workers=2,
                            **loader_args)
        return [ns_of(loader) for _ in range(2)]

    started = orders(multiprocessing_context=context, timeout=120)
    assert all(sorted(o) == list(range(COUNT)) for o in started)
    assert started == orders()


def test_iterable_dataset_decodes_and_transforms(pics):
    dataset = ldb.torch.IterableDataset("ds:pics", seed=3, transform=lambda image: image[:, :8, :8],
                                        target_transform=lambda a: a["n"], read_ahead=3)
    seen = {}
    for images, ns in DataLoader(dataset, batch_size=6, num_workers=2):
        assert images.shape[1:] == (3, 8, 8) and images.dtype == torch.uint8
        for image, n in zip(images, ns):
            seen[int(n)] = image
    assert sorted(seen) == list(range(COUNT))
    member = ldb.Instance().dataset("ds:pics", query="n == `4`")[0]
    assert torch.equal(seen[4], pil_chw(member.path)[:, :8, :8])


# --- failures -------------------------------------------------------------------------------------------------


def test_a_file_deleted_after_indexing_raises_naming_the_object_and_path(pics):
    gone = ldb.Instance().dataset("ds:pics", query="n == `11`")[0]
    os.remove(gone.path)
    with pytest.raises(ldb.NotFoundError) as caught:
        for _ in ldb.torch.IterableDataset("ds:pics"):
            pass
    assert gone.id in str(caught.value) and gone.path in str(caught.value)
    # Through DataLoader workers the error reaches the main process, still naming both.
    for dataset in (ldb.torch.IterableDataset("ds:pics"), ldb.torch.Dataset("ds:pics")):
        with pytest.raises(ldb.NotFoundError) as caught:
            for _ in DataLoader(dataset, batch_size=4, num_workers=2):
                pass
        assert gone.id in str(caught.value) and gone.path in str(caught.value)


def test_a_prefetcher_raises_an_error_in_its_place_and_goes_on(pics):
    selection = ldb.Instance().dataset("ds:pics", sort="n")
    os.remove(selection[5].path)
    prefetcher = _ldb.Prefetcher(selection._session(), selection.members, list(range(10)), decode=True, depth=4)
    got = []
    while True:
        try:
            index, pixels = next(prefetcher)
            got.append(index)
            assert pixels.shape[2] == 3
        except ldb.NotFoundError as e:
            assert selection[5].id in e.message
            got.append("error")
        except StopIteration:
            break
    assert got == [0, 1, 2, 3, 4, "error", 6, 7, 8, 9]
    # Dropped mid-stream: nothing hangs.
    for _ in range(20):
        p = _ldb.Prefetcher(selection._session(), selection.members, list(range(COUNT)) * 5, depth=8)
        next(p)
        del p


def test_a_dataset_that_does_not_exist(pics):
    for make in (ldb.torch.Dataset, ldb.torch.IterableDataset):
        with pytest.raises(ldb.NotFoundError) as caught:
            make("ds:nope")
        assert "nope" in caught.value.message and caught.value.hint
    with pytest.raises(TypeError):
        ldb.torch.Dataset(42)


def kill_in_worker(image):
    info = torch.utils.data.get_worker_info()
    if info is not None and info.id == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return image


@pytest.mark.parametrize("make", [ldb.torch.Dataset, ldb.torch.IterableDataset])
def test_a_killed_worker_makes_the_data_loader_raise(pics, make):
    dataset = make("ds:pics", transform=kill_in_worker)

    def hung(signum, frame):
        raise TimeoutError("the DataLoader hung after a worker was killed")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(60)
    start = time.monotonic()
    try:
        with pytest.raises(RuntimeError, match="DataLoader worker"):
            for _ in DataLoader(dataset, batch_size=2, num_workers=2):
                pass
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - start < 60


# --- S3 -------------------------------------------------------------------------------------------------------

SERVERS_DIR = os.environ.get("LDB_TEST_SERVERS_DIR", os.path.expanduser("~/.cache/ldb-test-servers"))
S3RVER = os.path.join(SERVERS_DIR, "node_modules", ".bin", "s3rver")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def s3rver(tmp_path, monkeypatch):
    """s3rver (npm, installed by scripts/install-deps.sh) on loopback with an empty bucket "bucket";
    yields its endpoint. Skipped when it is not installed."""
    if not os.access(S3RVER, os.X_OK):
        pytest.skip(f"s3rver is not installed ({S3RVER}); scripts/install-deps.sh installs it")
    port = free_port()
    proc = subprocess.Popen([S3RVER, "-d", str(tmp_path / "s3rver"), "-a", "127.0.0.1", "-p", str(port),
                             "--configure-bucket", "bucket", "--silent"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.1)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "S3RVER")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "S3RVER")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("LDB_CACHE_DIR", str(tmp_path / "cache"))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def put(endpoint, key, data):
    request = urllib.request.Request(f"{endpoint}/bucket/{key}", data=data, method="PUT")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200


def test_reading_from_s3(tmp_path, ldb_cli, instance_dir, s3rver):
    local = tmp_path / "upload"
    make_pairs(str(local), COUNT)
    for name in sorted(os.listdir(local)):
        with open(local / name, "rb") as f:
            put(s3rver, f"data/{name}", f.read())
    ldb_cli.run("add-storage", "s3://bucket/data", "-o", "endpoint", s3rver)
    ldb_cli.run("index", "s3://bucket/data")
    selection = ldb.Instance().select("ds:root", sort="n")
    assert len(selection) == COUNT
    assert selection[0].path.startswith("s3://bucket/data/")
    with open(local / os.path.basename(selection[2].path), "rb") as f:
        assert selection[2].read() == f.read()
    dataset = ldb.torch.IterableDataset(selection, seed=5, read_ahead=8)
    seen = {}
    for images, targets in DataLoader(dataset, batch_size=1, num_workers=2):
        seen[int(targets["n"][0])] = images[0]
    assert sorted(seen) == list(range(COUNT))
    for n in (0, 1, 4):
        name = os.path.basename(selection[n].path)
        assert torch.equal(seen[n], pil_chw(str(local / name)))
    # Read through the object cache: the objects are there, filed by their MD5.
    cached = {name for _, _, files in os.walk(tmp_path / "cache") for name in files}
    assert md5(selection[3].read()) in cached
