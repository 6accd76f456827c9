/*
 * mpi-ring: pass a token around all ranks, then report, rank by rank, where this process
 * runs and which MPI library file it loaded. The end-to-end tests read this report to prove
 * the bind model: each rank must run inside the container and must have loaded the host's
 * libmpi through the bind manifest.
 *
 * Each rank prints one line:
 *   rank=R size=N host=H container=yes|no libmpi=/path/of/the/mapped/libmpi libmpi_inode=I
 * (the inode, as /proc/self/maps gives it, tells which file a bind mount brought in)
 * and rank 0 prints "ring ok: token=T" when the token came back with the expected value.
 */
#include <mpi.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* the path and inode of the first mapped file whose name starts with libmpi (/proc/self/maps) */
static void loaded_libmpi(char *out, size_t size, unsigned long *inode) {
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[4096];
    snprintf(out, size, "unknown");
    *inode = 0;
    if (maps == NULL) return;
    while (fgets(line, sizeof line, maps) != NULL) {
        char *path = strchr(line, '/');
        if (path == NULL) continue;
        path[strcspn(path, "\n")] = '\0';
        const char *base = strrchr(path, '/') + 1;
        if (strncmp(base, "libmpi", 6) == 0) {
            /* address perms offset device inode path */
            sscanf(line, "%*s %*s %*s %*s %lu", inode);
            snprintf(out, size, "%s", path);
            break;
        }
    }
    fclose(maps);
}

int main(int argc, char **argv) {
    int rank, size, token;
    char host[256], libmpi[4096], line[8192];
    unsigned long inode;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    gethostname(host, sizeof host);
    loaded_libmpi(libmpi, sizeof libmpi, &inode);
    /* only the image built by hpcspec has its scripts directory */
    const char *inside = access("/opt/hpcspec/run.sh", R_OK) == 0 ? "yes" : "no";

    if (rank == 0) {
        token = 1;
        if (size > 1) {
            MPI_Send(&token, 1, MPI_INT, 1, 0, MPI_COMM_WORLD);
            MPI_Recv(&token, 1, MPI_INT, size - 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        }
    } else {
        MPI_Recv(&token, 1, MPI_INT, rank - 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        token += 1;
        MPI_Send(&token, 1, MPI_INT, (rank + 1) % size, 0, MPI_COMM_WORLD);
    }

    snprintf(line, sizeof line, "rank=%d size=%d host=%s container=%s libmpi=%s libmpi_inode=%lu",
             rank, size, host, inside, libmpi, inode);
    /* gather the lines on rank 0 so that the output is in rank order */
    if (rank == 0) {
        printf("%s\n", line);
        for (int r = 1; r < size; r++) {
            MPI_Recv(line, sizeof line, MPI_CHAR, r, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            printf("%s\n", line);
        }
        printf("ring %s: token=%d\n", token == size ? "ok" : "BROKEN", token);
        fflush(stdout);
    } else {
        MPI_Send(line, (int)strlen(line) + 1, MPI_CHAR, 0, 1, MPI_COMM_WORLD);
    }
    MPI_Finalize();
    return token == size ? 0 : 1;
}
