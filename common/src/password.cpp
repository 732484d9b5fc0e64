#include "pm/password.hpp"

#include <random>
#include <string_view>

#include "pm/redact.hpp"

namespace pm {

std::string random_password(std::size_t length) {
    static constexpr std::string_view k_chars =
        "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    std::random_device random;
    std::uniform_int_distribution<std::size_t> pick(0, k_chars.size() - 1);
    std::string password;
    password.reserve(length);
    for (std::size_t i = 0; i < length; ++i) {
        password += k_chars[pick(random)];
    }
    register_secret(password);
    return password;
}

} // namespace pm
