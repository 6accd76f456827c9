# shellcheck shell=sh
# Source this file to pass the environment and binds to singularity without options.
export SINGULARITY_BIND=/opt/cray,/usr/lib64:/usr/lib64/host,/usr/lib64/tcl,/var/spool/slurmd/mpi_cray_shasta,/etc/libibverbs.d,/etc/alternatives/cray-xpmem
export SINGULARITYENV_HPCSPEC_TARGET=archer2
export SINGULARITYENV_LD_LIBRARY_PATH=/etc/alternatives/cray-xpmem/lib64:/opt/cray/pe/mpich/8.1.9/ofi/gnu/9.1/lib-abi-mpich:/opt/cray/pe/pmi/6.0.13/lib:/opt/cray/libfabric/1.11.0.4.71/lib64:/usr/lib64/host:/usr/lib/x86_64-linux-gnu/libibverbs:/.singularity.d/libs
export SINGULARITYENV_OMP_NUM_THREADS=1
