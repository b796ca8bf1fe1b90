/*!
 * \file test_util.h
 * \brief Helpers shared by the tilelang-tt GoogleTest files.
 */
#ifndef TILELANG_TT_TESTS_CPP_TEST_UTIL_H_
#define TILELANG_TT_TESTS_CPP_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <tvm/ffi/error.h>

#include <functional>
#include <string>

namespace tilelang_tt {
namespace testing {

/*!
 * \brief Run `fn`, expect it to throw a tvm::ffi::Error of `kind` whose
 *        message contains every one of `fragments`.
 */
inline void ExpectFfiError(const std::function<void()> &fn,
                           const std::string &kind,
                           std::initializer_list<std::string> fragments) {
  try {
    fn();
  } catch (const tvm::ffi::Error &err) {
    EXPECT_EQ(err.kind(), kind) << err.message();
    for (const std::string &fragment : fragments) {
      EXPECT_NE(err.message().find(fragment), std::string::npos)
          << "message lacks '" << fragment << "': " << err.message();
    }
    return;
  }
  ADD_FAILURE() << "expected a " << kind << ", nothing was thrown";
}

} // namespace testing
} // namespace tilelang_tt

#endif // TILELANG_TT_TESTS_CPP_TEST_UTIL_H_
