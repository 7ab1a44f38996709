/* scipy.special's one LAPACK routine, served by numpy's OpenBLAS (the Linux build).
 *
 * scipy's wheels bundle a second OpenBLAS (24 MB) with 32-bit integers, and scipy.special links
 * it for one routine, dstevr (the eigenvalues behind ellip_harm). numpy's OpenBLAS has the same
 * routine with 64-bit integers under the name scipy_dstevr_64_. packaging/linux_libraries.py
 * compiles this file under the name of scipy's library, so scipy.special loads these few bytes
 * instead: they widen the integers, call numpy's routine and narrow the results. The build checks
 * that the scipy packages the app keeps use nothing else of scipy's library;
 * tests/test_linux_libraries.py compares every output with scipy's own.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

void scipy_dstevr_64_(char *jobz, char *range, int64_t *n, double *d, double *e, double *vl, double *vu,
                      int64_t *il, int64_t *iu, double *abstol, int64_t *m, double *w, double *z, int64_t *ldz,
                      int64_t *isuppz, double *work, int64_t *lwork, int64_t *iwork, int64_t *liwork,
                      int64_t *info, size_t jobz_len, size_t range_len);

/* LAPACK's dstevr with 32-bit integers, as scipy declares it (no hidden string lengths). */
void scipy_dstevr_(char *jobz, char *range, int *n, double *d, double *e, double *vl, double *vu, int *il,
                   int *iu, double *abstol, int *m, double *w, double *z, int *ldz, int *isuppz, double *work,
                   int *lwork, int *iwork, int *liwork, int *info)
{
    int64_t n64 = *n, il64 = *il, iu64 = *iu, ldz64 = *ldz, lwork64 = *lwork, liwork64 = *liwork;
    int64_t m64 = 0, info64 = 0;
    size_t supports = 2 * (size_t)(*n > 1 ? *n : 1);  /* ISUPPZ holds 2 * max(1, M) and M <= N */
    size_t iworks = (size_t)(*liwork > 1 ? *liwork : 1);
    int64_t *isuppz64 = calloc(supports, sizeof *isuppz64);
    int64_t *iwork64 = calloc(iworks, sizeof *iwork64);
    if (isuppz64 == NULL || iwork64 == NULL) {
        *info = -18;  /* no room for the widened IWORK: reported as that argument being unusable */
    } else {
        scipy_dstevr_64_(jobz, range, &n64, d, e, vl, vu, &il64, &iu64, abstol, &m64, w, z, &ldz64, isuppz64,
                         work, &lwork64, iwork64, &liwork64, &info64, 1, 1);
        *m = (int)m64;
        *info = (int)info64;
        iwork[0] = (int)iwork64[0];  /* the optimal LIWORK after a workspace query; the rest is scratch */
        for (int64_t i = 0; i < 2 * m64 && (size_t)i < supports; i++)
            isuppz[i] = (int)isuppz64[i];
    }
    free(isuppz64);
    free(iwork64);
}
