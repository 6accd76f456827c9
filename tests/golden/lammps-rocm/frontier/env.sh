# shellcheck shell=sh
# Source this file to pass the environment and binds to apptainer without options.
export APPTAINER_BIND=/usr/share/libdrm,/var/spool/slurmd,/opt/cray,/usr/lib64/libcxi.so.1:/opt/hpcspec/host/lib/libcxi.so.1,/usr/lib64/libjson-c.so.5:/opt/hpcspec/host/lib/libjson-c.so.5,/lib64/libtinfo.so.6:/opt/hpcspec/host/lib/libtinfo.so.6,/usr/lib64/libnl-3.so.200:/opt/hpcspec/host/lib/libnl-3.so.200,/usr/lib64/libgfortran.so.5:/opt/hpcspec/host/lib/libgfortran.so.5,/usr/lib64/libjansson.so.4:/opt/hpcspec/host/lib/libjansson.so.4,/usr/lib64/libxpmem.so.0:/opt/hpcspec/host/lib/libxpmem.so.0
export APPTAINERENV_HPCSPEC_TARGET=frontier
export APPTAINERENV_LD_LIBRARY_PATH=/opt/cray/pe/mpich/8.1.31/gtl/lib:/opt/cray/pe/mpich/8.1.31/ofi/crayclang/17.0/lib-abi-mpich:/opt/cray/libfabric/2.3.1/lib64:/opt/cray/pe/lib64:/opt/hpcspec/host/lib:/.singularity.d/libs:/opt/rocm/lib
export APPTAINERENV_LD_PRELOAD=/opt/cray/pe/mpich/8.1.31/gtl/lib/libmpi_gtl_hsa.so.0
export APPTAINERENV_MPICH_GPU_SUPPORT_ENABLED=1
export APPTAINERENV_OMP_NUM_THREADS=7
