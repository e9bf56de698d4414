"""Never lose or degrade a user's work in a workspace:

- an instantiate cut short (SIGINT, SIGKILL) is known as such: status and fsck
  say so, sync and add refuse to read the half-written folder as the dataset,
  and running instantiate again finishes it and clears the state;
- instantiate -f names every file it takes away and moves them into a hidden
  folder (never deletes them); a file the user copied in that has since been
  taken into the dataset is ldb's, not a file that needs -f;
- status lists edited, deleted and new files git-style (--json too);
- index says when identical bytes at another path relabel an object.

Real photos come from $LDB_TESTDATA_DIR/photos.
"""

import os
import shutil
import signal
import subprocess
import time

from ldbtest import (LDB_BIN, LdbTestCase, data_bytes, files_under, main, make_pairs, md5, read_json, write_file,
                     write_json)

TESTDATA = os.environ.get("LDB_TESTDATA_DIR", "")
PHOTOS = os.path.join(TESTDATA, "photos")
# Enough files that the copy is well under way, not over, when the first file appears.
BIG = int(os.environ.get("LDB_WORKSPACE_SAFETY_OBJECTS", "3000"))


def file_bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def photo(name: str) -> bytes:
    return file_bytes(os.path.join(PHOTOS, name))


class PhotosCase(LdbTestCase):
    """An init instance with data/photos/NAME.jpg|png + NAME.json pairs indexed,
    ds:photos staged in the workspace with all of them and committed."""

    names = ["dog.jpg", "eagle.jpg", "horses.jpg", "person.jpg"]

    def setUp(self):
        super().setUp()
        if not os.path.isdir(PHOTOS):
            self.fail(f"LDB_TESTDATA_DIR must hold photos/ (got {TESTDATA!r})")
        self.use_init_instance()
        self.folder = os.path.join(self.data, "photos")
        self.hashes = {}
        os.makedirs(self.folder)
        for name in self.names:
            stem = os.path.splitext(name)[0]
            shutil.copy(os.path.join(PHOTOS, name), os.path.join(self.folder, name))
            write_json(os.path.join(self.folder, stem + ".json"), {"class": stem})
            self.hashes[stem] = md5(photo(name))
        self.ok("index", self.folder)
        self.stage("ds:photos")
        self.ok("add", self.folder)
        self.ok("commit", "-m", "photos")

    def use_read_add(self):
        """A read-add location, where sync and add copy new data files."""
        folder = os.path.join(self.tmp, "readadd")
        os.makedirs(folder)
        self.ok("add-storage", "-a", "true", folder)

    def pair_names(self, stems=None):
        out = []
        for name in self.names:
            stem, ext = os.path.splitext(name)
            if stems is None or stem in stems:
                out += [f"{stem}-{self.hashes[stem]}{ext}", f"{stem}-{self.hashes[stem]}.json"]
        return sorted(out)

    def removed_folders(self, base):
        """The stamped folders below base (-f's removed folder), sorted."""
        return sorted(os.listdir(base)) if os.path.isdir(base) else []


class InterruptedInstantiateTest(LdbTestCase):
    """The scenario: ldb stage ds:big; instantiate cut short; status said "No
    uncommitted changes", sync then took the files not written yet for deleted
    members, fsck said ok."""

    def setUp(self):
        super().setUp()
        self.use_init_instance()
        folder = os.path.join(self.data, "big")
        self.hashes = make_pairs(folder, BIG)
        # Two real photos among them.
        for name in ("chelsea.png", "rocket.jpg"):
            shutil.copy(os.path.join(PHOTOS, name), os.path.join(folder, name))
            write_json(os.path.join(folder, os.path.splitext(name)[0] + ".json"), {"photo": name})
        self.ok("index", folder)
        self.stage("ds:big")
        self.ok("add", folder)
        self.ok("commit", "-m", "big")
        self.objects = BIG + 2
        self.planned = 2 * self.objects

    def cut_short(self, sig):
        """Starts `ldb instantiate`, sends `sig` as soon as the first file is
        in the workspace, and returns the files there afterwards."""
        proc = subprocess.Popen([LDB_BIN, "instantiate"], cwd=self.ws, env=self.env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            with os.scandir(self.ws) as entries:
                if any(not e.name.startswith(".") for e in entries):
                    break
            time.sleep(0.0005)
        proc.send_signal(sig)
        proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, -sig, "instantiate ended before the signal: make BIG larger")
        present = files_under(self.ws)
        self.assertGreater(len(present), 0)
        self.assertLess(len(present), self.planned)
        return present

    def check_interrupted_then_finish(self, sig):
        present = self.cut_short(sig)
        unwritten = self.planned - len(present)

        # status says the run did not finish, not "No uncommitted changes" alone,
        # and lists no unwritten file as deleted.
        out = self.ok("status")
        self.assertIn("No uncommitted changes\n", out)
        self.assertIn(f"Instantiate did not finish: {unwritten} of {self.planned} files not written "
                      "(run ldb instantiate to finish it; sync and add refuse to read the workspace until then)\n",
                      out)
        self.assertNotIn("deleted:", out)
        status = self.ok_json("status", "--json")
        self.assertEqual(status["instantiate"], {"state": "unfinished", "files": self.planned,
                                                 "unwritten": unwritten})
        self.assertEqual(status["files"], {"edited": [], "deleted": [], "new": []})

        # sync and add . refuse; the staged dataset is untouched.
        for args in (("sync",), ("add", ".")):
            self.fails(*args, rc=4, contains=[
                f"the last ldb instantiate into '{self.ws}' did not finish ({unwritten} of {self.planned} files "
                "not written)",
                "hint: run ldb instantiate again to finish it"])
        self.assertEqual(self.count(), self.objects)

        # fsck names it.
        r = self.ldb("fsck")
        self.assertEqual(r.rc, 6, r.describe())
        self.assertIn(f"the last instantiate did not finish ({unwritten} of {self.planned} files not written)",
                      r.out)
        self.assertIn("(hint: run ldb instantiate in the workspace to finish it)", r.out)

        # Running instantiate again finishes it, keeping what was written.
        out = self.ok("instantiate")
        self.assertEqual(out, f"Instantiated {self.objects} data objects and {self.objects} annotation files in "
                              f"'{self.ws}' ({unwritten} written, {len(present)} unchanged, 0 removed)\n")
        self.assertEqual(len(files_under(self.ws)), self.planned)
        out = self.ok("status")
        self.assertNotIn("Instantiate did not finish", out)
        self.assertTrue(out.endswith("No uncommitted changes\n"), out)
        self.assertEqual(self.ok_json("status", "--json")["instantiate"],
                         {"state": "finished", "files": self.planned, "unwritten": 0})
        self.assertIn(f"Workspace {self.ws}: ok", self.ok("fsck"))
        self.assertEqual(self.ok("sync"), "Synced ds:big: 0 added, 0 deleted, 0 with another annotation version "
                                          "(0 edited annotations)\n")
        self.assertEqual(self.count(), self.objects)

    def test_sigint_mid_copy(self):
        self.check_interrupted_then_finish(signal.SIGINT)

    def test_sigkill_mid_copy(self):
        self.check_interrupted_then_finish(signal.SIGKILL)


class ForceMovesAsideTest(PhotosCase):
    def test_plain_folder_refusal_names_every_file_and_force_moves_them(self):
        project = os.path.join(self.tmp, "project")
        write_file(os.path.join(project, "notes.txt"), "my notes")
        write_file(os.path.join(project, "src", "train.py"), "import torch\n")
        r = self.fails("instantiate", "-t", project, rc=4)
        self.assertIn(f"'{project}' holds 2 file(s) that ldb did not write ('notes.txt', 'src/train.py')", r.err)
        self.assertEqual(files_under(project), ["notes.txt", "src/train.py"])

        out = self.ok("instantiate", "-f", "-t", project)
        stamps = self.removed_folders(os.path.join(project, ".ldb_removed"))
        self.assertEqual(len(stamps), 1)
        self.assertRegex(stamps[0], r"^\d{8}T\d{6}Z$")
        removed = os.path.join(project, ".ldb_removed", stamps[0])
        self.assertEqual(out, f"Instantiated 4 data objects and 4 annotation files in '{project}' "
                              "(8 written, 0 unchanged, 0 removed)\n"
                              f"Moved 2 file(s) that ldb did not write or that were changed to '{removed}' "
                              "(delete the folder once you no longer need them)\n")
        # Nothing of the user's is lost: same bytes, same relative paths.
        self.assertEqual(files_under(removed), ["notes.txt", "src/train.py"])
        self.assertEqual(file_bytes(os.path.join(removed, "src", "train.py")), b"import torch\n")
        self.assertEqual(file_bytes(os.path.join(removed, "notes.txt")), b"my notes")
        self.assertEqual(files_under(project), self.pair_names())
        # A second -f run in the same second gets a folder of its own.
        write_file(os.path.join(project, "notes.txt"), "second notes")
        self.ok("instantiate", "-f", "-t", project)
        self.assertEqual(len(self.removed_folders(os.path.join(project, ".ldb_removed"))), 2)
        self.assertEqual(files_under(project), self.pair_names())

    def test_workspace_force_moves_edits_into_ldb_workspace_removed(self):
        self.ok("instantiate")
        edited = os.path.join(self.ws, f"dog-{self.hashes['dog']}.json")
        write_json(edited, {"class": "wolf"})
        write_file(os.path.join(self.ws, "notes", "todo.txt"), "relabel the dog")
        self.fails("instantiate", rc=4, contains=[
            "1 file(s) that ldb did not write ('notes/todo.txt') and 1 file(s) changed since ldb wrote them "
            f"('dog-{self.hashes['dog']}.json')"])
        out = self.ok("instantiate", "-f")
        base = os.path.join(self.ws, ".ldb_workspace", "removed")
        stamps = self.removed_folders(base)
        self.assertEqual(len(stamps), 1)
        removed = os.path.join(base, stamps[0])
        self.assertIn(f"(1 written, 7 unchanged, 0 removed)\nMoved 2 file(s) that ldb did not write or that were "
                      f"changed to '{removed}'", out)
        self.assertEqual(read_json(os.path.join(removed, f"dog-{self.hashes['dog']}.json")), {"class": "wolf"})
        self.assertEqual(file_bytes(os.path.join(removed, "notes", "todo.txt")), b"relabel the dog")
        self.assertEqual(read_json(edited), {"class": "dog"})
        self.assertEqual(files_under(self.ws), self.pair_names())

    def test_file_taken_in_by_sync_is_ldbs_own(self):
        self.use_read_add()
        self.ok("instantiate")
        # The user copies a new photo in with its annotation and relabels one.
        shutil.copy(os.path.join(PHOTOS, "kite.jpg"), os.path.join(self.ws, "kite.jpg"))
        write_file(os.path.join(self.ws, "kite.json"), '{\n  "class":   "kite"\n}\n')
        eagle = os.path.join(self.ws, f"eagle-{self.hashes['eagle']}.json")
        write_file(eagle, '{"class": "hawk"}')
        out = self.ok("sync")
        self.assertIn("Synced ds:photos: 1 added, 0 deleted, 1 with another annotation version "
                      "(1 edited annotations)\n", out)
        self.ok("commit", "-m", "kite and hawk")
        # Both are the dataset's content now: no -f needed, nothing moved aside.
        kite = md5(photo("kite.jpg"))
        out = self.ok("instantiate")
        self.assertEqual(out, f"Instantiated 5 data objects and 5 annotation files in '{self.ws}' "
                              "(3 written, 7 unchanged, 2 removed)\n")
        self.assertFalse(os.path.exists(os.path.join(self.ws, ".ldb_workspace", "removed")))
        self.assertEqual(files_under(self.ws), sorted(self.pair_names() + [f"kite-{kite}.jpg", f"kite-{kite}.json"]))
        self.assertEqual(read_json(os.path.join(self.ws, f"kite-{kite}.json")), {"class": "kite"})
        self.assertEqual(read_json(eagle), {"class": "hawk"})
        self.assertEqual(self.annotation(self.hashes["eagle"]), {"class": "hawk"})
        self.assertTrue(self.ok("status").endswith("No uncommitted changes\n"))

    def test_file_taken_in_by_add_dot_is_ldbs_own(self):
        self.use_read_add()
        self.ok("instantiate")
        shutil.copy(os.path.join(PHOTOS, "scream.jpg"), os.path.join(self.ws, "scream.jpg"))
        self.assertIn("Added 1 objects to ds:photos", self.ok("add", "."))
        self.assertNotIn("new:", self.ok("status"))
        out = self.ok("instantiate", "-m", "bare-pairs")
        self.assertIn("removed)\n", out)
        self.assertNotIn("Moved", out)
        self.assertIn(f"scream-{md5(photo('scream.jpg'))}.jpg", files_under(self.ws))
        self.assertNotIn("scream.jpg", files_under(self.ws))


class StatusListsChangedFilesTest(PhotosCase):
    def test_edited_deleted_and_new_files_git_style(self):
        self.use_read_add()
        self.ok("instantiate")
        self.assertEqual(self.ok("status"), f"Dataset ds:photos.v1, 4 objects, 4 annotations\nWorkspace: {self.ws}\n"
                                            "No uncommitted changes\n")
        dog_json = f"dog-{self.hashes['dog']}.json"
        horses = f"horses-{self.hashes['horses']}.jpg"
        horses_json = f"horses-{self.hashes['horses']}.json"
        write_json(os.path.join(self.ws, dog_json), {"class": "wolf"})  # the silent relabel
        os.remove(os.path.join(self.ws, horses))
        os.remove(os.path.join(self.ws, horses_json))
        shutil.copy(os.path.join(PHOTOS, "giraffe.jpg"), os.path.join(self.ws, "giraffe.jpg"))
        # Touched but identical: not an edit.
        person = os.path.join(self.ws, f"person-{self.hashes['person']}.jpg")
        os.utime(person, (time.time() + 100, time.time() + 100))
        out = self.ok("status")
        self.assertEqual(out, f"Dataset ds:photos.v1, 4 objects, 4 annotations\nWorkspace: {self.ws}\n"
                              "No uncommitted changes\n"
                              "Files changed since instantiate, not taken in yet (ldb sync or ldb add . takes them "
                              "in; ldb instantiate refuses to replace them without -f):\n"
                              f"  edited:  {dog_json}\n"
                              f"  deleted: {horses}\n"
                              f"  deleted: {horses_json}\n"
                              "  new:     giraffe.jpg\n")
        status = self.ok_json("status", "--json")
        self.assertEqual(status["files"], {"edited": [dog_json], "deleted": [horses, horses_json],
                                           "new": ["giraffe.jpg"]})
        self.assertEqual(status["instantiate"], {"state": "finished", "files": 8, "unwritten": 0})
        self.assertEqual(status["uncommitted"], {"added": 0, "deleted": 0, "modified": 0})
        # instantiate refuses to overwrite the edit: what status shows is why.
        self.fails("instantiate", rc=4, contains=["'giraffe.jpg'", f"'{dog_json}'"])
        # sync takes them all in: status shows staged changes and no file lines.
        self.ok("sync")
        out = self.ok("status")
        self.assertEqual(out, f"Dataset ds:photos.v1, 4 objects, 3 annotations\nWorkspace: {self.ws}\n"
                              "Uncommitted changes: 1 added, 1 deleted, 1 annotation versions changed\n")
        self.assertEqual(self.ok_json("status", "--json")["files"], {"edited": [], "deleted": [], "new": []})
        self.assertEqual(self.annotation(self.hashes["dog"]), {"class": "wolf"})

    def test_many_changes_are_cut_without_verbose(self):
        self.ok("instantiate")
        for i in range(25):
            write_file(os.path.join(self.ws, "extra", f"n{i:02d}.txt"), str(i))
        out = self.ok("status")
        self.assertEqual(out.count("  new:     extra/"), 20)
        self.assertIn("  ... and 5 more new\n(ldb status -v lists them all)\n", out)
        self.assertEqual(self.ok("status", "-v").count("  new:     extra/"), 25)
        self.assertEqual(len(self.ok_json("status", "--json")["files"]["new"]), 25)

    def test_never_instantiated_workspace(self):
        self.assertEqual(self.ok_json("status", "--json")["instantiate"], {"state": "none", "files": 0, "unwritten": 0})
        write_file(os.path.join(self.ws, "mine.png"), b"mine")
        out = self.ok("status")
        self.assertIn("Files in the workspace, not taken in yet (ldb sync or ldb add . takes them in):\n"
                      "  new:     mine.png\n", out)


class IndexSummaryTest(LdbTestCase):
    def test_same_bytes_at_another_path_relabel_for_everyone(self):
        self.use_init_instance()
        dog = photo("dog.jpg")
        a = os.path.join(self.data, "a")
        write_file(os.path.join(a, "dog.jpg"), dog)
        write_json(os.path.join(a, "dog.json"), {"class": "dog"})
        out = self.ok("index", a)
        self.assertNotIn("another path", out)
        b = os.path.join(self.data, "b")
        write_file(os.path.join(b, "copy.jpg"), dog)
        write_json(os.path.join(b, "copy.json"), {"class": "cat"})
        out = self.ok("index", b)
        self.assertEqual(out, "Format: strict-pairs\nData objects: 1 found, 0 new\nAnnotations:  1 found, 1 new\n"
                              "Images:       1 file with features\n"
                              "1 objects got a new current annotation from another path (datasets that pull them "
                              "take it; -v lists them)\n")
        self.assertEqual(self.annotation(md5(dog)), {"class": "cat"})
        c = os.path.join(self.data, "c")
        write_file(os.path.join(c, "again.jpg"), dog)
        write_json(os.path.join(c, "again.json"), {"class": "wolf"})
        out = self.ok("index", "-v", c)
        self.assertIn("1 objects got a new current annotation from another path (datasets that pull them take it; "
                      "listed below)\n"
                      f"  id:{md5(dog)}: v2 -> v3, found with {c}/again.jpg (v2 was found with {b}/copy.jpg)\n", out)
        # Editing where the current annotation was found is an ordinary update.
        write_json(os.path.join(c, "again.json"), {"class": "fox"})
        self.assertNotIn("another path", self.ok("index", c))


if __name__ == "__main__":
    main()
