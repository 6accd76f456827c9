"""HPC Container Maker recipe equivalent to specs/codes/gromacs.hpcspec (the benchmark's peer).

Render it with:  hpccm --recipe benchmarks/gromacs_hpccm.py --format singularity

Same base image (debian:bookworm), GNU compilers, CMake, MPICH, the same GROMACS 2024.5
tarball and the same CMake options as the hpcspec example. hpccm defines `Stage0` and the
building blocks in the recipe's namespace before it runs this file.
"""
# ruff: noqa: F821  (names provided by hpccm at run time)

GROMACS_VERSION = "2024.5"
GROMACS_URL = f"https://ftp.gromacs.org/gromacs/gromacs-{GROMACS_VERSION}.tar.gz"
GROMACS_OPTIONS = [
    "-DCMAKE_BUILD_TYPE=Release",
    "-DGMX_MPI=ON",
    "-DGMX_OPENMP=ON",
    "-DGMX_FFT_LIBRARY=fftw3",
    "-DGMX_HWLOC=ON",
    "-DGMX_BUILD_OWN_FFTW=OFF",
    "-DGMX_DEFAULT_SUFFIX=ON",
    "-DGMX_SIMD=AVX2_256",
]

Stage0 += baseimage(image="debian:bookworm", _distro="ubuntu22")
Stage0 += gnu()
Stage0 += cmake(eula=True)
Stage0 += mpich()
Stage0 += packages(ospackages=["libfftw3-dev", "libopenblas-dev", "libhwloc-dev",
                               "pkg-config", "python3", "libibverbs1", "ibverbs-providers"])
Stage0 += generic_cmake(
    url=GROMACS_URL,
    cmake_opts=GROMACS_OPTIONS,
    prefix=f"/opt/app/gromacs/{GROMACS_VERSION}",
    build_environment={"CC": "mpicc", "CXX": "mpicxx"},
    parallel=8,
)
Stage0 += environment(variables={"PATH": f"/opt/app/gromacs/{GROMACS_VERSION}/bin:$PATH"})
Stage0 += runscript(commands=[f"/opt/app/gromacs/{GROMACS_VERSION}/bin/gmx_mpi"])
