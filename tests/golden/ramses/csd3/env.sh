# shellcheck shell=sh
# Source this file to pass the environment and binds to singularity without options.
export SINGULARITY_BIND=/usr/local/Cluster-Apps
export SINGULARITYENV_FI_PROVIDER_PATH=/usr/local/Cluster-Apps/intel/2020.2/compilers_and_libraries_2020.2.254/linux/mpi/intel64/libfabric/lib/prov
export SINGULARITYENV_HPCSPEC_TARGET=csd3
export SINGULARITYENV_I_MPI_OFA_TRANSLATION_CACHE=0
export SINGULARITYENV_I_MPI_ROOT=/usr/local/Cluster-Apps/intel/2020.2/compilers_and_libraries_2020.2.254/linux/mpi
export SINGULARITYENV_LD_LIBRARY_PATH=/usr/local/Cluster-Apps/intel/2020.2/compilers_and_libraries_2020.2.254/linux/mpi/intel64/libfabric/lib:/usr/local/Cluster-Apps/intel/2020.2/compilers_and_libraries_2020.2.254/linux/mpi/intel64/lib/release:/usr/local/Cluster-Apps/intel/2020.2/compilers_and_libraries_2020.2.254/linux/mpi/intel64/lib:/.singularity.d/libs
export SINGULARITYENV_OMP_NUM_THREADS=1
