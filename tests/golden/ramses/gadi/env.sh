# shellcheck shell=sh
# Source this file to pass the environment and binds to singularity without options.
export SINGULARITY_BIND=/apps/openmpi/4.1.4
export SINGULARITYENV_HPCSPEC_TARGET=gadi
export SINGULARITYENV_LD_LIBRARY_PATH=/apps/openmpi/4.1.4/lib:/.singularity.d/libs
export SINGULARITYENV_MPI_ROOT=/apps/openmpi/4.1.4
export SINGULARITYENV_OMP_NUM_THREADS=1
