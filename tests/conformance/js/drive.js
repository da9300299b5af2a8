// Drives Sage's JavaScript SDK (@intacct/intacct-sdk, unmodified) against a served sandbox and
// prints one JSON object per step on stdout; test_js_sdk.py reads them.
//
// The SDK accepts only endpoint URLs on *.intacct.com (Credentials/Endpoint.js
// isDomainValid), so the sandbox is addressed as sandbox.intacct.com:PORT and this process
// resolves that one name to 127.0.0.1 — a DNS-level redirect (reference §6, option 3); the
// SDK itself is not touched.
//
// Usage: node drive.js PORT SENDER_ID SENDER_PASSWORD COMPANY_ID USER_ID USER_PASSWORD

"use strict";

const dns = require("dns");
const realLookup = dns.lookup;
const SANDBOX_HOST = "sandbox.intacct.com";
dns.lookup = function (hostname, options, callback) {
  if (hostname === SANDBOX_HOST) {
    if (typeof options === "function") {
      callback = options;
      options = {};
    }
    if (options && options.all) {
      return process.nextTick(callback, null, [{ address: "127.0.0.1", family: 4 }]);
    }
    return process.nextTick(callback, null, "127.0.0.1", 4);
  }
  return realLookup.apply(this, arguments);
};

const IA = require("@intacct/intacct-sdk");

const [port, senderId, senderPassword, companyId, userId, userPassword] = process.argv.slice(2);
const endpointUrl = `http://${SANDBOX_HOST}:${port}/ia/xml/xmlgw.phtml`;

function report(step, value) {
  process.stdout.write(JSON.stringify({ step, ...value }) + "\n");
}

function loginConfig(overrides) {
  const config = new IA.ClientConfig();
  config.endpointUrl = endpointUrl;
  config.senderId = senderId;
  config.senderPassword = senderPassword;
  config.companyId = companyId;
  config.userId = userId;
  config.userPassword = userPassword;
  return Object.assign(config, overrides || {});
}

function failure(error) {
  return { ok: false, name: error.name || error.constructor.name, errors: error.errors || [],
    message: String(error.message) };
}

async function step(name, action) {
  try {
    report(name, { ok: true, ...(await action()) });
  } catch (error) {
    report(name, failure(error));
  }
}

function accountsQuery() {
  const read = new IA.Functions.Common.ReadByQuery();
  read.objectName = "GLACCOUNT";
  read.fields = ["RECORDNO", "ACCOUNTNO", "TITLE"];
  read.pageSize = 1000;
  return read;
}

async function main() {
  const session = await IA.SessionProvider.factory(loginConfig());
  report("session", {
    ok: true,
    endpoint: session.endpointUrl,
    hasSession: Boolean(session.sessionId),
    userId: session.userId,
  });
  const client = new IA.OnlineClient(session);

  await step("read_accounts", async () => {
    const response = await client.execute(accountsQuery());
    const result = response.getResult();
    return { count: result.count, total: result.totalCount,
      numbers: result.data.map((r) => String(r.ACCOUNTNO)) };
  });

  await step("create_account", async () => {
    const create = new IA.Functions.GeneralLedger.AccountCreate();
    create.accountNo = "6980";
    create.title = "Created by the JavaScript SDK";
    create.accountType = "incomestatement";
    create.normalBalance = "debit";
    create.closingType = "non-closing account";
    const response = await client.execute(create);
    return { status: response.getResult().status };
  });

  await step("delete_account", async () => {
    const remove = new IA.Functions.GeneralLedger.AccountDelete();
    remove.accountNo = "6980";
    const response = await client.execute(remove);
    const result = response.getResult();
    return { status: result.status, function: result.functionName, key: result.key };
  });

  await step("delete_missing_account", async () => {
    const remove = new IA.Functions.GeneralLedger.AccountDelete();
    remove.accountNo = "6980";
    await client.execute(remove);
    return {};
  });

  await step("department_create_then_delete", async () => {
    const create = new IA.Functions.Company.DepartmentCreate();
    create.departmentId = "D-JS";
    create.departmentName = "JavaScript SDK";
    await client.execute(create);
    const remove = new IA.Functions.Company.DepartmentDelete();
    remove.departmentId = "D-JS";
    const result = (await client.execute(remove)).getResult();
    return { status: result.status, function: result.functionName };
  });

  await step("wrong_sender_password", async () => {
    await IA.SessionProvider.factory(loginConfig({ senderPassword: "wrong" }));
    return {};
  });
}

main().catch((error) => {
  report("fatal", failure(error));
  process.exitCode = 1;
});
