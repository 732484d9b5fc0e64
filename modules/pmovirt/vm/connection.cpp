#include "pmovirt/vm/connection.hpp"

namespace pm::ovirt {

Connection::Connection(Context& context) : Connection(context, nullptr) {}

Connection::Connection(Context& context, std::unique_ptr<http::Transport> transport)
    : m_service(std::make_unique<ServiceConnection>(context.module_params, context.coordination,
                                                    context.deadline, std::move(transport))),
      m_api(std::make_unique<api::Client>(
          m_service->http(), m_service->url(),
          api::Credentials{m_service->username(), m_service->password()}, m_service->sessions(),
          context.deadline)) {}

} // namespace pm::ovirt
