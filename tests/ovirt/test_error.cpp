// The oVirt error decoder (modules/pmovirt/api/error.hpp) on the failure replies of
// ../shared/api/ovirt.md §2.1, §3.3 and §3.5: every shape gives a message, a code, the auth
// flag and a kind; no body makes it throw.
#include <catch2/catch.hpp>

#include "pm/redact.hpp"

#include "pmovirt/api/error.hpp"

using Catch::Matchers::Contains;
using namespace pm::ovirt::api;

TEST_CASE("ovirt error: the bare CRUD fault, its bracketed detail and its kind", "[ovirt]") {
    const auto error = decode_error(
        409,
        R"({"reason":"Operation Failed","detail":"[Cannot add VM. The VM name is already in use, please choose a unique name and try again.]"})");
    CHECK(error.status == 409);
    CHECK(error.code == "Operation Failed");
    CHECK(error.message == "Operation Failed: Cannot add VM. The VM name is already in use, "
                           "please choose a unique name and try again.");
    CHECK(error.kind == FaultKind::name_in_use);
    CHECK_FALSE(error.is_auth);
    SECTION("a detail with brackets inside keeps them") {
        const auto missing = decode_error(
            400, R"({"reason":"Incomplete parameters","detail":"Vm [name] required for add"})");
        CHECK(missing.message == "Incomplete parameters: Vm [name] required for add");
        CHECK(missing.kind == FaultKind::bad_request);
    }
    SECTION("an entity not found inside a request body is a 404 with a fault") {
        const auto missing = decode_error(
            404, R"({"reason":"Operation Failed","detail":"Entity not found: Cluster: name=foo"})");
        CHECK(missing.kind == FaultKind::not_found);
        CHECK_THAT(missing.message, Contains("Cluster: name=foo"));
    }
}

TEST_CASE("ovirt error: the action fault nested in the action", "[ovirt]") {
    const auto error = decode_error(409, R"({"fault":{"reason":"Operation Failed",
        "detail":"[Cannot run VM because the VM is in Image Locked status.]"},
        "status":"failed","use_cloud_init":"true"})");
    CHECK(error.code == "Operation Failed");
    CHECK(error.message == "Operation Failed: Cannot run VM because the VM is in Image Locked "
                           "status.");
    CHECK(error.kind == FaultKind::locked);
}

TEST_CASE("ovirt error: the kinds of the error catalog", "[ovirt]") {
    struct Case {
        long status;
        const char* detail;
        FaultKind kind;
    };
    const Case cases[] = {
        {409, "[Cannot run VM. VM is running.]", FaultKind::vm_running},
        {409, "[Cannot remove VM. VM is running.]", FaultKind::vm_running},
        {409, "[Cannot stop VM. VM is not running.]", FaultKind::vm_not_running},
        {409, "[Cannot hibernate VM. VM is not up.]", FaultKind::vm_not_running},
        {409, "[Cannot edit VM: VM is locked. Please try again in a few minutes.]",
         FaultKind::locked},
        {409,
         "[Cannot add VM. Related operation is currently in progress. Please try again later.]",
         FaultKind::locked},
        {409,
         "[Cannot run VM. The following disks are locked: bm42_Disk1. Please try again in a few "
         "minutes.]",
         FaultKind::locked},
        {409, "[Cannot add VM. Template is currently locked (temporarily).]", FaultKind::locked},
        {409, "[Cannot add VM. This template is currently in use to create VM bm41.]",
         FaultKind::locked},
        {409, "[Cannot add VM. Low disk space on Storage Domain data.]", FaultKind::storage_low},
        {409, "[Cannot add VM. Quota has insufficient storage resources.]", FaultKind::quota},
        {409, "[Cannot run VM. There is no host that satisfies current scheduling constraints.]",
         FaultKind::no_host},
        {400, "[Cannot edit Disk. New disk size must be larger than the current disk size.]",
         FaultKind::disk_too_small},
        {400, "[Cannot add VM. The given name is too long.]", FaultKind::bad_request},
        {500, "java.lang.NullPointerException", FaultKind::other},
        {403, "[User is not authorized to perform this action.]", FaultKind::forbidden},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.detail) {
            const std::string body =
                std::string(R"({"reason":"Operation Failed","detail":")") + c.detail + "\"}";
            const auto error = decode_error(c.status, body);
            CHECK(error.kind == c.kind);
            CHECK(error.is_auth == (c.kind == FaultKind::auth));
        }
    }
}

TEST_CASE("ovirt error: an empty 404 and other bodies without JSON", "[ovirt]") {
    const auto gone = decode_error(404, "");
    CHECK(gone.kind == FaultKind::not_found);
    CHECK(gone.message == "HTTP 404");
    CHECK(gone.code.empty());
    CHECK(decode_error(400, "  \n").message == "HTTP 400"); // the Version filter (§3.1)
    const auto text = decode_error(502, "Bad Gateway\n");
    CHECK(text.message == "Bad Gateway");
    CHECK(text.kind == FaultKind::other);
    CHECK(decode_error(400, "{\"reason\":").message == "{\"reason\":"); // unparsable JSON
    CHECK(decode_error(500, R"({"unexpected":1})").message == R"({"unexpected":1})");
    CHECK(decode_error(500, "[]").message == "[]");
}

TEST_CASE("ovirt error: an HTML 401 in each known form is an auth error", "[ovirt]") {
    const char* const pages[] = {
        // go-ovirt-client#151
        "<html><head><title>Error</title></head><body>invalid_grant: The provided "
        "authorization grant for the auth code has expired.</body></html>",
        // Apache (ovirt-engine#874)
        "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>401 "
        "Unauthorized</title>\n</head><body>\n<h1>Unauthorized</h1>\n<p>This server could not "
        "verify that you\nare authorized to access the document\nrequested.</p>\n</body></html>",
        // WildFly's sendError page
        "<html><head><title>Error</title></head><body>Unauthorized</body></html>",
    };
    for (const char* page : pages) {
        DYNAMIC_SECTION(page) {
            const auto error = decode_error(401, page);
            CHECK(error.is_auth);
            CHECK(error.kind == FaultKind::auth);
            CHECK_THAT(error.message, !Contains("<"));
            CHECK_FALSE(error.message.empty());
        }
    }
    const auto grant = decode_error(401, pages[0]);
    CHECK(grant.code == "invalid_grant");
    CHECK(grant.message == "invalid_grant: The provided authorization grant for the auth code "
                           "has expired.");
    CHECK(decode_error(401, pages[1]).message ==
          "Unauthorized This server could not verify that you are authorized to access the "
          "document requested.");
}

TEST_CASE("ovirt error: SSO errors in both shapes, whatever the status", "[ovirt]") {
    for (const long status : {400L, 401L}) {
        DYNAMIC_SECTION(status) {
            const auto first = decode_error(
                status,
                R"({"error_code":"access_denied","error":"Cannot authenticate user 'admin@internal': The username or password is incorrect.."})");
            CHECK(first.code == "access_denied");
            CHECK(first.is_auth);
            CHECK_THAT(first.message, Contains("Cannot authenticate user"));
            const auto second = decode_error(
                status,
                R"({"error":"invalid_grant","error_description":"The provided authorization grant for the auth code has expired."})");
            CHECK(second.code == "invalid_grant");
            CHECK(second.is_auth);
            CHECK_THAT(second.message, Contains("has expired"));
        }
    }
    const auto accept = decode_error(
        400,
        R"({"error":"invalid_request","error_description":"Missing parameter: 'Accept Header'"})");
    CHECK(accept.code == "invalid_request");
    CHECK_FALSE(accept.is_auth); // our own bad request: a new token would not cure it
    CHECK(accept.kind == FaultKind::bad_request);
}

TEST_CASE("ovirt error: messages are one line, cut and masked", "[ovirt]") {
    const std::string secret = "s3cr3t-token-value-123456";
    pm::register_secret(secret);
    const auto error =
        decode_error(500, R"({"reason":"Operation Failed","detail":"line one\nline two )" + secret +
                              std::string(1000, 'x') + "\"}");
    CHECK(error.message.find('\n') == std::string::npos);
    CHECK(error.message.find(secret) == std::string::npos);
    CHECK(error.message.size() <= 310);
}

TEST_CASE("ovirt error: create answers 200, 201 and 202 are all success", "[ovirt]") {
    CHECK(create_accepted(200));
    CHECK(create_accepted(201));
    CHECK(create_accepted(202));
    CHECK_FALSE(create_accepted(204));
    CHECK_FALSE(create_accepted(409));
}
