// What an operation needs to talk to the module's oVirt engine: the service connection of
// the module params (pm/service.hpp: HTTP client, session cache, polling within the
// deadline) and the typed API client over it.
#pragma once

#include <memory>

#include "pm/context.hpp"
#include "pm/service.hpp"

#include "pmovirt/api/client.hpp"

namespace pm::ovirt {

class Connection {
public:
    explicit Connection(Context& context);
    // The same over `transport` (unit tests: a scripted one; null: libcurl's).
    Connection(Context& context, std::unique_ptr<http::Transport> transport);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    [[nodiscard]] const api::Client& api() const { return *m_api; }
    [[nodiscard]] const ServiceConnection& service() const { return *m_service; }

private:
    std::unique_ptr<ServiceConnection> m_service;
    std::unique_ptr<api::Client> m_api;
};

} // namespace pm::ovirt
