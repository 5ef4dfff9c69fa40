/* near.h - cmocka's assert_float_equal compares floats; we need doubles. */
#ifndef ISOBENCH_TEST_NEAR_H
#define ISOBENCH_TEST_NEAR_H
#include <math.h>
#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (double)(eps))
#endif
