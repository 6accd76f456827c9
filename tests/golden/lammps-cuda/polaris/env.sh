# shellcheck shell=sh
# Source this file to pass the environment and binds to apptainer without options.
export APPTAINER_BIND=/opt,/var/run/palsd,/usr/lib64:/hostlib64
export APPTAINERENV_HPCSPEC_TARGET=polaris
export APPTAINERENV_LD_LIBRARY_PATH=/opt/cray/pe/mpich/8.1.28/ofi/nvidia/23.3/lib-abi-mpich:/opt/cray/libfabric/1.15.2.0/lib64:/opt/cray/pe/pmi/6.1.13/lib:/opt/cray/pals/1.3.4/lib:/opt/cray/pe/pals/1.2.12/lib:/opt/nvidia/hpc_sdk/Linux_x86_64/23.9/compilers/lib:/hostlib64:/.singularity.d/libs:/usr/local/cuda/lib64
export APPTAINERENV_LD_PRELOAD=/opt/cray/pe/mpich/8.1.28/gtl/lib/libmpi_gtl_cuda.so.0
export APPTAINERENV_MPICH_GPU_SUPPORT_ENABLED=1
export APPTAINERENV_OMP_NUM_THREADS=8
