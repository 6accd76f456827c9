# shellcheck shell=sh
# Source this file to pass the environment and binds to singularity without options.
export SINGULARITY_BIND=/lustre/sw,/opt/hpe,/etc/libibverbs.d
export SINGULARITYENV_HPCSPEC_TARGET=cirrus-impi
export SINGULARITYENV_LD_LIBRARY_PATH=/lustre/sw/fftw/3.3.9-mpt2-gcc8/lib:/lustre/sw/intel/compilers_and_libraries_2019.0.117/linux/mkl/lib/intel64_lin:/lustre/sw/intel/compilers_and_libraries_2019.0.117/linux/mpi/intel64/lib:/lustre/sw/intel/compilers_and_libraries_2019.0.117/linux/mpi/intel64/lib/release:/lustre/sw/intel/compilers_and_libraries_2019.0.117/linux/mpi/intel64/libfabric/lib:/lib/x86_64-linux-gnu:/.singularity.d/libs
export SINGULARITYENV_MPI_ROOT=/lustre/sw/intel/compilers_and_libraries_2019.0.117/linux/mpi/intel64
export SINGULARITYENV_OMP_NUM_THREADS=1
