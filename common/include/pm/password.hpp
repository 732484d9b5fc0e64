// Random passwords for accounts the modules create on the customer's behalf.
#pragma once

#include <cstddef>
#include <string>

namespace pm {

// `length` characters from letters and digits without the look-alikes (l, 1, I, O, 0), drawn
// from std::random_device; registered as a secret, so it is masked in every log line.
[[nodiscard]] std::string random_password(std::size_t length = 20);

} // namespace pm
