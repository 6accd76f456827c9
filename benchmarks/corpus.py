#!/usr/bin/env python3
"""Generate a benchmark corpus: N code specs x M platform specs, deterministic for a seed.

    python benchmarks/corpus.py --codes 200 --platforms 6 -o DIR

writes DIR/hpcspec.toml (so DIR is the project root), DIR/specs/platforms/*.hpcspec and
DIR/specs/codes/*.hpcspec. Every file is valid: `hpcspec check specs/codes/*.hpcspec` run
from DIR exits 0 without warnings.

Platforms vary the four shipped sites (Cray EX like archer2 and cirrus, an ICE XA cluster like
cirrus-ice, a PBS cluster, and a one-node test system like localhost): other names, node sizes,
CPUs, partitions and QoS, runtimes and host MPIs. Codes vary the language and build system
(cmake, autotools, make), the source (tarball or git), the base image and its packages, and
target 3 to 6 of the platforms, each with one of its MPIs and a job shape that fits the
platform's nodes and limits.
"""

from __future__ import annotations

import argparse
import hashlib
import random
from dataclasses import dataclass
from pathlib import Path

ARCHETYPES = ("cray", "ice", "pbs", "local")
WALLTIMES_MIN = (10, 20, 30, 60, 90, 120, 240, 360, 720, 1440)
NODE_COUNTS = (1, 2, 4, 8, 16)

# archspec name, CPU model, cores per socket to choose from. Every Debian, Ubuntu and Rocky gcc
# the corpus uses (11.4 and later) can target these, so no W0504 fallback warnings.
CPUS = (
    ("zen2", "AMD EPYC 7742 2.25 GHz", (32, 64)),
    ("zen3", "AMD EPYC 7763 2.45 GHz", (32, 64)),
    ("broadwell", "Intel Xeon E5-2695 v4 2.1 GHz", (16, 18)),
    ("haswell", "Intel Xeon E5-2680 v3 2.5 GHz", (12,)),
    ("skylake_avx512", "Intel Xeon Gold 6148 2.4 GHz", (20,)),
    ("cascadelake", "Intel Xeon Platinum 8280 2.7 GHz", (24, 28)),
    ("icelake", "Intel Xeon Platinum 8380 2.3 GHz", (32, 40)),
    ("sapphirerapids", "Intel Xeon Platinum 8480+ 2.0 GHz", (56,)),
)


# ---------------------------------------------------------------------------------------------
# Spec text helpers
# ---------------------------------------------------------------------------------------------

def quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def value(item: object) -> str:
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, str):
        return quote(item)
    if isinstance(item, (list, tuple)):
        return "[" + ", ".join(value(v) for v in item) + "]"
    return str(item)


def duration(minutes: int) -> str:
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    hours, rest = divmod(minutes, 60)
    return (f"{hours}h" if hours else "") + (f"{rest}min" if rest else "")


def block(head: str, lines: list[str], indent: str = "  ") -> list[str]:
    return [f"{indent}{head} {{", *(f"{indent}  {line}" for line in lines), f"{indent}}}"]


# ---------------------------------------------------------------------------------------------
# Platforms
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Qos:
    name: str
    max_nodes: int
    max_minutes: int
    min_nodes: int | None = None
    min_minutes: int | None = None

    def render(self) -> str:
        parts = [f"max_nodes = {self.max_nodes}", f"max_walltime = {duration(self.max_minutes)}"]
        if self.min_nodes:
            parts.append(f"min_nodes = {self.min_nodes}")
        if self.min_minutes:
            parts.append(f"min_walltime = {duration(self.min_minutes)}")
        return f"  qos {self.name} {{ {'  '.join(parts)} }}"


@dataclass(frozen=True)
class Partition:
    name: str
    max_nodes: int
    qos: tuple[str, ...] = ()
    default_qos: str | None = None
    max_minutes: int | None = None
    memory: str | None = None  # patches the node's memory

    def render(self) -> list[str]:
        lines = [f"max_nodes   = {self.max_nodes}"]
        if self.max_minutes:
            lines.append(f"max_walltime = {duration(self.max_minutes)}")
        if self.qos:
            lines += [f"qos         = {value(self.qos)}", f"default_qos = {quote(self.default_qos)}"]
        if self.memory:
            lines += [f"node {{ memory = {self.memory} }}"]
        return block(f"partition {self.name}", lines)


@dataclass(frozen=True)
class HostMpi:
    name: str
    abi: str
    lines: tuple[str, ...]  # the block's body

    @property
    def is_mpich_abi(self) -> bool:
        return self.abi == "mpich"

    def render(self) -> list[str]:
        return block(f"mpi {self.name}", list(self.lines))


@dataclass
class Platform:
    name: str
    archetype: str
    description: str
    header: list[str]  # scheduler, launchers, runtime, platform-wide binds
    sockets: int
    cores_per_socket: int
    threads_per_core: int
    numa_regions: int
    memory: str
    microarch: str
    cpu_model: str
    partitions: list[Partition]
    qos: list[Qos]
    mpis: list[HostMpi]
    gcc: str
    glibc_min: str
    job: list[str]
    default_partition: str

    @property
    def cores(self) -> int:
        return self.sockets * self.cores_per_socket

    @property
    def cores_per_numa(self) -> int:
        return self.cores // self.numa_regions

    def qos_named(self, name: str | None) -> Qos | None:
        return next((q for q in self.qos if q.name == name), None)

    def render(self) -> str:
        node = [f"cpu_model        = {quote(self.cpu_model)}",
                f"sockets          = {self.sockets}",
                f"cores_per_socket = {self.cores_per_socket}",
                f"threads_per_core = {self.threads_per_core}",
                f"numa_regions     = {self.numa_regions}",
                f"memory           = {self.memory}",
                f"microarch        = {quote(self.microarch)}"]
        lines = [f"# {self.name}: generated by benchmarks/corpus.py from the shipped `{self.archetype}` "
                 "archetype (not a real site).",
                f"platform {self.name} {{",
                f"  description = {quote(self.description)}",
                *self.header, "", *block("node", node), ""]
        for partition in self.partitions:
            lines += partition.render()
        lines += [q.render() for q in self.qos] + [""]
        for mpi in self.mpis:
            lines += mpi.render()
        lines += block("compiler gnu", ['family  = "gcc"', f"version = {quote(self.gcc)}"])
        lines += [f"  glibc_min = {quote(self.glibc_min)}", *block("job", self.job), "}", ""]
        return "\n".join(lines)


def _node_shape(rng: random.Random, archetype: str) -> dict:
    if archetype == "local":
        cores = rng.choice((2, 4, 8))
        return dict(sockets=1, cores_per_socket=cores, threads_per_core=1, numa_regions=1,
                    memory=f"{rng.choice((16, 23, 32, 64))}GiB", microarch="x86_64",
                    cpu_model="generic x86_64")
    microarch, model, per_socket = rng.choice(CPUS)
    cores_per_socket = rng.choice(per_socket)
    sockets = 2
    numa_per_socket = rng.choice([n for n in (1, 2, 4) if cores_per_socket % n == 0])
    return dict(sockets=sockets, cores_per_socket=cores_per_socket,
                threads_per_core=rng.choice((1, 2)), numa_regions=sockets * numa_per_socket,
                memory=f"{rng.choice((128, 192, 256, 384, 512))}GiB", microarch=microarch,
                cpu_model=model)


def _slurm_partitions(rng: random.Random, total_nodes: int) -> tuple[list[Partition], list[Qos]]:
    """Partitions and QoS in the style of ARCHER2 and Cirrus."""
    qos = [Qos("standard", rng.choice((64, 128, 256, 1024)), rng.choice((1440, 2880))),
           Qos("short", rng.choice((2, 4, 32)), 20),
           Qos("long", rng.choice((16, 64)), rng.choice((2880, 5760)), min_minutes=1440),
           Qos("largescale", total_nodes, 720, min_nodes=min(1025, total_nodes))]
    if rng.random() < 0.5:
        qos.append(Qos("lowpriority", rng.choice((32, 64)), 1440))
    partitions = [Partition("standard", total_nodes, tuple(q.name for q in qos), "standard")]
    if rng.random() < 0.6:
        qos.append(Qos("highmem", rng.choice((16, 64, 256)), 1440))
        partitions.append(Partition("highmem", rng.choice((64, 584)), ("highmem",), "highmem",
                                    memory=f"{rng.choice((1024, 1536))}GiB"))
    if rng.random() < 0.4:
        qos.append(Qos("serial", 1, 1440))
        partitions.append(Partition("serial", 2, ("serial",), "serial"))
    return partitions, qos


def _cray(rng: random.Random) -> dict:
    version = rng.choice(("8.1.9", "8.1.23", "8.1.27", "8.1.32"))
    runtime = rng.choice((('singularity', "3.7"), ('singularity', "3.8"), ('apptainer', "1.2"),
                          ('apptainer', "1.3")))
    cray = ['description = "Cray MPICH ${version} (MPICH ABI) over OFI"', 'abi         = "mpich"',
            f'version     = "{version}"', 'standard    = "3.1"',
            'root        = "/opt/cray/pe/mpich/${version}/ofi/gnu/9.1"',
            'modules     = ["cray-mpich-abi/${version}"]',
            'binds = ["/opt/cray", "/usr/lib64:/usr/lib64/host", "/var/spool/slurmd/mpi_cray_shasta", '
            '"/etc/libibverbs.d"]',
            'ld_library_path = ["${root}/lib-abi-mpich", "/opt/cray/pe/pmi/6.0.13/lib", '
            '"/opt/cray/libfabric/1.11.0.4.71/lib64", "/usr/lib64/host"]']
    if rng.random() < 0.7:
        cray.append('plugin = "cray_shasta"')
    mpis = [HostMpi("cray-mpich", "mpich", tuple(cray))]
    if rng.random() < 0.6:
        mpis.append(_openmpi(rng, launcher="srun", plugin="pmix"))
    return dict(header=["  scheduler slurm {}", "  account_required = true",
                        '  launcher srun { flags = ["--hint=nomultithread", "--distribution=block:block"] }',
                        f"  runtime {runtime[0]} {{ version = {quote(runtime[1])} }}"],
                mpis=mpis, glibc_min=rng.choice(("2.26", "2.31")), total_nodes=rng.choice((640, 1024, 5860)),
                description="HPE Cray EX", scheduler="slurm")


def _openmpi(rng: random.Random, launcher: str, plugin: str | None) -> HostMpi:
    version = rng.choice(("4.1.5", "4.1.6", "5.0.3"))
    lines = ['description = "Open MPI ${version}"', 'abi         = "openmpi"', f'version     = "{version}"',
             'standard    = "3.1"', 'root        = "/opt/openmpi/${version}"',
             'modules     = ["openmpi/${version}"]', 'ld_library_path = ["${root}/lib"]',
             f'launcher    = "{launcher}"']
    if plugin:
        lines.append(f'plugin      = "{plugin}"')
    return HostMpi("openmpi", "openmpi", tuple(lines))


def _ice(rng: random.Random) -> dict:
    singularity = rng.choice(("3.7.2", "3.8.7", "3.11.4"))
    mpt_version = rng.choice(("2.22", "2.25", "2.26"))
    impi = rng.choice(("2019.0.117", "2021.6.0"))
    mpt = ['description = "HPE MPT ${version} over InfiniBand"', 'abi         = "mpt"',
           f'version     = "{mpt_version}"', 'root        = "/opt/hpe/hpc/mpt/mpt-${version}"',
           'modules     = ["mpt/${version}"]',
           'ld_library_path = ["${root}/lib", "/lustre/sw/pmi2/lib", "/lib/x86_64-linux-gnu"]',
           'env { MPI_ROOT = "${root}"  PMI2_ROOT = "/lustre/sw/pmi2" }', 'launcher    = "srun"']
    intel = ['description = "Intel MPI ${version} over InfiniBand"', 'abi         = "mpich"',
             f'version     = "{impi}"', 'standard    = "3.1"',
             'root        = "/lustre/sw/intel/mpi/${version}/intel64"', f'modules     = ["intel-mpi/{impi}"]',
             'ld_library_path = ["${root}/lib", "${root}/lib/release", "${root}/libfabric/lib"]',
             'env { MPI_ROOT = "${root}" }', 'launcher    = "mpirun"']
    return dict(header=["  scheduler slurm {}", "  account_required = true",
                        '  launcher srun { flags = ["--distribution=block:block", "--hint=nomultithread"] }',
                        '  launcher mpirun { kind = "hydra"  hostfile = true }',  # Intel MPI's mpirun
                        f"  runtime singularity {{ version = {quote(singularity)}  "
                        f"command = \"/opt/singularity/{singularity}/bin/singularity\"  "
                        f"modules = [\"singularity/{singularity}\"] }}",
                        '  binds = ["/lustre/sw", "/opt/hpe", "/etc/libibverbs.d"]'],
                mpis=[HostMpi("mpt", "mpt", tuple(mpt)), HostMpi("intel-mpi", "mpich", tuple(intel))],
                glibc_min="2.17", total_nodes=rng.choice((228, 280, 512)),
                description="SGI/HPE ICE XA, InfiniBand", scheduler="slurm")


def _pbs(rng: random.Random) -> dict:
    version = rng.choice(("4.1.2", "4.2.0"))
    mpich = ['description = "MPICH ${version} over UCX"', 'abi         = "mpich"', f'version     = "{version}"',
             'standard    = "4.0"', 'root        = "/opt/mpich/${version}"', 'modules     = ["mpich/${version}"]',
             'ld_library_path = ["${root}/lib", "/opt/ucx/lib"]', 'binds = ["/opt/mpich", "/opt/ucx"]',
             'launcher    = "mpiexec"']
    mpis = [HostMpi("mpich", "mpich", tuple(mpich))]
    if rng.random() < 0.7:
        mpis.append(_openmpi(rng, launcher="ompi-mpirun", plugin=None))
    runtime = rng.choice(("1.1", "1.2", "1.3"))
    return dict(header=['  scheduler pbs { directives = ["-m n"] }',
                        '  launcher mpiexec { kind = "hydra"  hostfile = true }',
                        '  launcher ompi-mpirun { kind = "openmpi"  command = "mpirun" }',
                        f"  runtime apptainer {{ version = {quote(runtime)} }}"],
                mpis=mpis, glibc_min="2.28", total_nodes=rng.choice((64, 128, 400)),
                description="PBS Pro cluster", scheduler="pbs")


def _local(rng: random.Random) -> dict:
    libs = ["libmpich.so.12", "libhwloc.so.15", "libucp.so.0", "libucs.so.0", "libuct.so.0", "libnuma.so.1"]
    files = ", ".join(quote(f"/usr/lib/x86_64-linux-gnu/{lib}:/opt/hpcspec/host/mpich/{lib}") for lib in libs)
    mpich = ['description = "MPICH Version: 4.0.2"', 'abi         = "mpich"', 'version     = "4.0.2"',
             'standard    = "4.0"', 'root        = "/usr"', f"bind_files = [{files}]",
             'ld_library_path = ["/opt/hpcspec/host/mpich"]', 'plugin = "pmi2"']
    return dict(header=[f'  scheduler slurm {{ version = {quote(rng.choice(("22.05", "23.02", "23.11")))} }}',
                        "  launcher srun { flags = [] }",
                        f"  runtime charliecloud {{ version = {quote(rng.choice(('0.31', '0.35', '0.38')))} }}"],
                mpis=[HostMpi("mpich", "mpich", tuple(mpich))], glibc_min="2.34", total_nodes=1,
                description="one-node Slurm test system, Charliecloud", scheduler="slurm")


def make_platform(index: int, seed: int) -> Platform:
    archetype = ARCHETYPES[index % len(ARCHETYPES)]
    name = f"{archetype}{index + 1:02d}"
    rng = random.Random(f"{seed}:platform:{name}")
    site = {"cray": _cray, "ice": _ice, "pbs": _pbs, "local": _local}[archetype](rng)
    shape = _node_shape(rng, archetype)
    total = site["total_nodes"]
    if archetype in ("cray", "ice"):
        partitions, qos = _slurm_partitions(rng, total)
        default, job = "standard", ['partition = "standard"', 'qos       = "standard"', "exclusive = true"]
    elif archetype == "pbs":
        partitions = [Partition("workq", total, max_minutes=rng.choice((1440, 2880))),
                      Partition("express", 4, max_minutes=60)]
        if rng.random() < 0.5:
            partitions.append(Partition("bigmem", 8, max_minutes=1440, memory="1TiB"))
        qos, default, job = [], "workq", ['partition = "workq"', "exclusive = true"]
    else:
        partitions, qos, default, job = [Partition("debug", 1)], [], "debug", ['partition = "debug"']
    cores = shape["sockets"] * shape["cores_per_socket"]
    description = f"{site['description']}, {total} nodes of {shape['sockets']} x {shape['cpu_model']} ({cores} cores)"
    return Platform(name=name, archetype=archetype, description=description, header=site["header"],
                    partitions=partitions, qos=qos, mpis=site["mpis"], gcc=rng.choice(("11.2", "12.2", "13.2")),
                    glibc_min=site["glibc_min"], job=job, default_partition=default, **shape)


# ---------------------------------------------------------------------------------------------
# Codes
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Image:
    ref: str
    manager: str  # apt or dnf
    glibc: str
    mpich: str  # the distribution's MPICH

    def packages(self, language: str, extras: list[str]) -> list[str]:
        table = APT if self.manager == "apt" else DNF
        return [*table[language], *table["mpi"], *extras]


IMAGES = (Image("debian:bookworm", "apt", "2.36", "4.0.2"), Image("debian:trixie", "apt", "2.41", "4.2.1"),
          Image("ubuntu:22.04", "apt", "2.35", "4.0"), Image("ubuntu:24.04", "apt", "2.39", "4.2.0"),
          Image("rockylinux:9", "dnf", "2.34", "4.1.1"))
APT = {"c": ["gcc", "libc6-dev"], "cxx": ["g++"], "fortran": ["gfortran"], "mpi": ["libmpich-dev", "mpich"],
       "extras": ["libfftw3-dev", "libhdf5-mpich-dev", "libopenblas-dev", "liblapack-dev", "libnetcdf-dev",
                  "libboost-dev", "libhwloc-dev", "zlib1g-dev", "libgsl-dev", "pkg-config", "python3"]}
DNF = {"c": ["gcc"], "cxx": ["gcc-c++"], "fortran": ["gcc-gfortran"], "mpi": ["mpich-devel"],
       "extras": ["fftw-devel", "hdf5-devel", "openblas-devel", "lapack-devel", "netcdf-devel", "boost-devel",
                  "hwloc-devel", "zlib-devel", "gsl-devel", "pkgconf-pkg-config", "python3"]}
STEMS = ("hydro", "plasma", "ocean", "lattice", "climate", "mdsim", "cfd", "fem", "nbody", "quantum",
         "seismic", "dft", "mhd", "lbm", "combustion", "astro")
BUILDS = {"cmake": "cxx", "autotools": "c", "make": "fortran"}


def _version(rng: random.Random) -> str:
    return f"{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 5)}"


def _source(rng: random.Random, name: str, org: str) -> list[str]:
    digest = hashlib.sha256(name.encode())
    if rng.random() < 0.7:
        return block("source", [f'url    = "https://github.com/{org}/{name}/archive/refs/tags/v${{version}}.tar.gz"',
                                f'sha256 = "{digest.hexdigest()}"'])
    return block("source", [f'git    = "https://github.com/{org}/{name}.git"',
                            f'commit = "{hashlib.sha1(name.encode()).hexdigest()}"'])


def _build(rng: random.Random, kind: str, name: str, exe: str) -> list[str]:
    flag = name.upper().replace("-", "_")
    jobs = f"jobs = {rng.choice((4, 8, 16))}"
    if kind == "cmake":
        options = ["-DENABLE_MPI=ON", "-DBUILD_TESTING=OFF", f"-D{flag}_USE_FFTW=ON", "-DCMAKE_CXX_STANDARD=17",
                   f"-D{flag}_OPENMP=ON", "-DBUILD_SHARED_LIBS=OFF"]
        return block("build cmake", [f"options = {value(options[:rng.randint(2, 6)])}", jobs])
    if kind == "autotools":
        options = ["--enable-mpi", "--enable-openmp", "--with-hdf5", "--disable-shared", "--with-fftw",
                   "CC=mpicc"]
        return block("build autotools", [f"options = {value(options[:rng.randint(2, 6)])}",
                                         f"cflags = {value(['-O2', '-g'][:rng.randint(1, 2)])}", jobs])
    install = ['mkdir -p "$PREFIX/bin"', f'cp {exe} "$PREFIX/bin/"']
    lines = [f"options = {value(['FC=mpif90', 'FFLAGS=-O3 $(HPCSPEC_CPU_FLAGS)', 'USE_OPENMP=1'])}",
             f"install = {value(install)}", jobs]
    if rng.random() < 0.5:
        lines.insert(0, 'directory = "src"')
    return block("build make", lines)


def _job(rng: random.Random, platform: Platform) -> tuple[list[str], int]:
    """A job shape that fits the platform's nodes, partitions and QoS, and its cpus per task."""
    choices = []
    for partition in platform.partitions:
        for qos in [platform.qos_named(q) for q in partition.qos] or [None]:
            if qos is None or not (qos.min_nodes or qos.min_minutes):
                choices.append((partition, qos))
    default = choices[0]
    partition, qos = default if rng.random() < 0.6 else rng.choice(choices)
    max_nodes = min(n for n in (partition.max_nodes, qos and qos.max_nodes, 16) if n)
    max_minutes = min(m for m in (partition.max_minutes, qos and qos.max_minutes, 1440) if m)
    smt = platform.threads_per_core > 1 and rng.random() < 0.1
    threads = platform.threads_per_core if smt else 1
    per_numa = platform.cores_per_numa * threads
    cpus = rng.choice(sorted({c for c in (1, 1, 2, 4, 8, per_numa) if per_numa % c == 0}))
    lines = [f"nodes          = {rng.choice([n for n in NODE_COUNTS if n <= max_nodes])}",
             f"tasks_per_node = {platform.cores * threads // cpus}",
             f"cpus_per_task  = {cpus}",
             f"walltime       = {duration(rng.choice([m for m in WALLTIMES_MIN if m <= max_minutes]))}"]
    if smt:
        lines.append("smt            = true")
    if partition.name != platform.default_partition:
        lines.append(f"partition      = {quote(partition.name)}")
    if qos is not None and (partition.name != platform.default_partition or qos.name != partition.default_qos):
        lines.append(f"qos            = {quote(qos.name)}")
    return block("job", lines, indent=""), cpus


def _target(rng: random.Random, platform: Platform, build_kind: str, name: str) -> list[str]:
    bindable = [m for m in platform.mpis if m.is_mpich_abi]
    mpi = rng.choice(bindable if rng.random() < 0.7 else platform.mpis)
    lines = [f"platform = {quote(platform.name)}", f"mpi      = {quote(mpi.name)}", 'compiler = "gnu"']
    if not mpi.is_mpich_abi:
        lines.append('model    = "host"')  # not MPICH ABI: build on the host against its MPI
    if build_kind == "cmake" and rng.random() < 0.5:
        lines += block("build", [f'options += ["-D{name.upper().replace("-", "_")}_SIMD=AVX2"]'], indent="")
    job, cpus = _job(rng, platform)
    if cpus > 1:
        lines += block("env", ['OMP_PLACES = "cores"'], indent="")
    return block(f"target {platform.name}", lines + job)


def make_code(index: int, platforms: list[Platform], seed: int) -> tuple[str, str]:
    """The name and the text of code spec number `index`."""
    rng = random.Random(f"{seed}:code:{index}")
    name = f"{STEMS[index % len(STEMS)]}-{index:03d}"
    exe = name.replace("-", "_")
    kind = rng.choice(tuple(BUILDS))
    image = rng.choice(IMAGES)
    table = APT if image.manager == "apt" else DNF
    packages = image.packages(BUILDS[kind], rng.sample(table["extras"], rng.randint(1, 5)))
    eligible = [p for p in platforms if tuple(map(int, p.glibc_min.split("."))) <= tuple(map(int, image.glibc.split(".")))]
    chosen = rng.sample(eligible, min(len(eligible), rng.randint(3, 6)))
    lines = [f"# {name}: generated by benchmarks/corpus.py (seed {seed}); not a real code.", ""]
    chosen.sort(key=lambda p: p.name)
    lines += [f'import "{p.name}"' for p in chosen] + [""]
    body = [f'  version     = "{_version(rng)}"',
            f'  description = "{STEMS[index % len(STEMS)]} solver number {index}, {kind} build"',
            f'  homepage    = "https://example.org/{name}"', '  license     = "BSD-3-Clause"',
            '  maintainer  = "benchmark corpus <bench@example.org>"']
    body += _source(rng, name, org=f"group{index % 17}")
    body += block("image", [f'from     = "{image.ref}"', f"packages = {value(packages)}"])
    body += block("mpi", ['name    = "mpich"', 'abi     = "mpich"', f'version = "{image.mpich}"'])
    body += _build(rng, kind, name, exe)
    body += block("run", [f'executable     = "bin/{exe}"', 'args           = ["-i", "input.in"]',
                          'required_files = ["input.in"]'])
    if rng.random() < 0.5:
        body += block("env", ['OMP_PROC_BIND = "close"'])
    body.append('  test = ["ls /opt/app/${name}/${version}"]')
    for platform in chosen:
        body += _target(rng, platform, kind, name)
    lines += [f"code {name} {{", *body, "}", ""]
    return name, "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------

def generate(out: Path, codes: int, platforms: int, seed: int = 1) -> tuple[list[Path], list[Path]]:
    """Write the corpus under `out`; returns the platform and code spec paths."""
    platform_dir, code_dir = out / "specs" / "platforms", out / "specs" / "codes"
    platform_dir.mkdir(parents=True, exist_ok=True)
    code_dir.mkdir(parents=True, exist_ok=True)
    (out / "hpcspec.toml").write_text("# benchmark corpus: the project root for import lookup\n")
    sites = [make_platform(i, seed) for i in range(platforms)]
    platform_paths, code_paths = [], []
    for site in sites:
        path = platform_dir / f"{site.name}.hpcspec"
        path.write_text(site.render())
        platform_paths.append(path)
    for index in range(codes):
        name, text = make_code(index, sites, seed)
        path = code_dir / f"{name}.hpcspec"
        path.write_text(text)
        code_paths.append(path)
    return platform_paths, code_paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--codes", type=int, default=200, help="number of code specs (default 200)")
    parser.add_argument("--platforms", type=int, default=6, help="number of platform specs (default 6)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="DIR", help="corpus directory")
    args = parser.parse_args(argv)
    if args.platforms < 3 or args.codes < 1:
        parser.error("need at least 3 platforms and 1 code")
    platforms, codes = generate(args.output, args.codes, args.platforms, args.seed)
    print(f"wrote {len(codes)} code specs and {len(platforms)} platform specs under {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
