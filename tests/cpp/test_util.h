/*!
 * \file test_util.h
 * \brief Helpers shared by the tilelang-tt GoogleTest files.
 */
#ifndef TILELANG_TT_TESTS_CPP_TEST_UTIL_H_
#define TILELANG_TT_TESTS_CPP_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <tvm/ffi/error.h>

#include <tvm/ffi/any.h>
#include <tvm/ffi/function.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
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

/*! \brief Deterministic JSON-like text of an attribute value (keys sorted,
 *         as TVMScript prints attribute maps). */
inline std::string JsonText(const tvm::ffi::Any &value) {
  static const auto repr = tvm::ffi::Function::GetGlobalRequired("node.AsRepr");
  return repr(value).cast<tvm::ffi::String>();
}

/*!
 * \brief Compare `text` with tests/cpp/golden/<name>. With
 *        TILELANG_TT_UPDATE_GOLDEN=1 in the environment the file is
 *        (re)written instead -- review the diff before committing it.
 */
inline void ExpectMatchesGolden(const std::string &name,
                                const std::string &text) {
  const std::string path = std::string(TILELANG_TT_GOLDEN_DIR) + "/" + name;
  const char *update = std::getenv("TILELANG_TT_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(path) << text << "\n";
    return;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << "missing golden file " << path
                         << "; create it with TILELANG_TT_UPDATE_GOLDEN=1";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(text + "\n", expected.str()) << "golden file: " << path;
}

} // namespace testing
} // namespace tilelang_tt

#endif // TILELANG_TT_TESTS_CPP_TEST_UTIL_H_
