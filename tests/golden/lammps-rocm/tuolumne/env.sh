# shellcheck shell=sh
# Source this file to pass the environment and binds to apptainer without options.
export APPTAINER_BIND=/opt/cray,/usr/lib64:/usr/lib64/host,/var/tmp
export APPTAINERENV_HPCSPEC_TARGET=tuolumne
export APPTAINERENV_LD_LIBRARY_PATH=/opt/cray/pe/mpich/9.0.1/ofi/gnu/11.2/lib-abi-mpich:/opt/cray/pe/pmi/6.1.15.6/lib:/opt/cray/pe/pals/1.2.12/lib:/opt/cray/libfabric/2.1/lib64:/opt/cray/pe/lib64:/usr/lib64/host:/.singularity.d/libs:/opt/rocm/lib
export APPTAINERENV_OMP_NUM_THREADS=21
