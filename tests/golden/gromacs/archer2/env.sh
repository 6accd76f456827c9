# shellcheck shell=sh
# Source this file to pass the environment and binds to singularity without options.
export SINGULARITY_BIND=/opt/cray,/usr/lib64:/usr/lib64/host,/usr/lib64/tcl,/var/spool/slurmd/mpi_cray_shasta,/etc/libibverbs.d,/etc/alternatives/cray-xpmem
export SINGULARITYENV_HPCSPEC_TARGET=archer2
export SINGULARITYENV_LD_LIBRARY_PATH=/opt/cray/pe/fftw/3.3.8.11/x86_rome/lib:/opt/cray/pe/libsci/21.08.1.2/GNU/9.1/x86_64/lib:/etc/alternatives/cray-xpmem/lib64:/opt/cray/pe/mpich/8.1.9/ofi/gnu/9.1/lib-abi-mpich:/opt/cray/pe/pmi/6.0.13/lib:/opt/cray/libfabric/1.11.0.4.71/lib64:/usr/lib64/host:/usr/lib/x86_64-linux-gnu/libibverbs:/.singularity.d/libs
export SINGULARITYENV_OMP_NUM_THREADS=1
