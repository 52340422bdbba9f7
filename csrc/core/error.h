// Exceptions thrown by the core and ops; the bindings map each to the Python exception PyTorch
// raises for the same mistake.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace ember {

struct Error : std::runtime_error { using std::runtime_error::runtime_error; };  // RuntimeError
struct TypeError : Error { using Error::Error; };
struct ValueError : Error { using Error::Error; };
struct IndexError : Error { using Error::Error; };
struct NotImplementedError : Error { using Error::Error; };

namespace detail {
inline void append(std::ostringstream&) {}
template <class T, class... Rest>
void append(std::ostringstream& os, const T& v, const Rest&... rest) { os << v; append(os, rest...); }
}  // namespace detail

template <class... Args>
std::string str(const Args&... args) {
  std::ostringstream os;
  detail::append(os, args...);
  return os.str();
}

}  // namespace ember

#define EMBER_CHECK(cond, ...) \
  do { if (!(cond)) throw ::ember::Error(::ember::str(__VA_ARGS__)); } while (0)
#define EMBER_CHECK_TYPE(cond, ...) \
  do { if (!(cond)) throw ::ember::TypeError(::ember::str(__VA_ARGS__)); } while (0)
#define EMBER_CHECK_VALUE(cond, ...) \
  do { if (!(cond)) throw ::ember::ValueError(::ember::str(__VA_ARGS__)); } while (0)
#define EMBER_CHECK_INDEX(cond, ...) \
  do { if (!(cond)) throw ::ember::IndexError(::ember::str(__VA_ARGS__)); } while (0)
