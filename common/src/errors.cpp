#include "pm/errors.hpp"

#include <cstring>

namespace pm {

SystemError system_error(const std::string& what, int errno_value) {
    return SystemError(what + ": " + std::strerror(errno_value));
}

} // namespace pm
