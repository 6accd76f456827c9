# shellcheck shell=sh
# Source this file to pass the environment and binds to singularity without options.
export SINGULARITY_BIND=/apps/intel-mpi/2021.10.0,/etc/libibverbs.d
export SINGULARITYENV_FI_PROVIDER_PATH=/apps/intel-mpi/2021.10.0/libfabric/lib/prov
export SINGULARITYENV_HPCSPEC_TARGET=gadi
export SINGULARITYENV_I_MPI_ROOT=/apps/intel-mpi/2021.10.0
export SINGULARITYENV_LD_LIBRARY_PATH=/apps/intel-mpi/2021.10.0/lib/release:/apps/intel-mpi/2021.10.0/lib:/apps/intel-mpi/2021.10.0/libfabric/lib:/.singularity.d/libs
export SINGULARITYENV_OMP_NUM_THREADS=1
