// Something held until destroyed: a lock, a queue slot, a claim. What holds it (a flock'ed
// file, a named lock on the database server) is the business of whoever made it.
#pragma once

#include <memory>

namespace pm {

class Hold {
public:
    Hold() = default;
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;
    virtual ~Hold() = default;
};
using HoldPtr = std::unique_ptr<Hold>;

} // namespace pm
