// A fediverse follower built with Fedify, which the tests start on loopback: it looks an
// Amicus actor up by WebFinger, follows it, and records what arrives in its inbox. Fedify
// checks every delivery's HTTP signature itself; only verified activities are recorded.
// It also posts Follow and Undo signed by Fedify's own signRequest (draft-cavage or RFC 9421),
// or tampered after signing, and reports what the server answered.
// Usage: node peer.mjs PORT   (prints "ready" when it listens)
import "./node20.mjs";
import http from "node:http";
import {
  Accept, Create, Endpoints, Object as APObject, Delete, Follow, MemoryKvStore, Person, Undo,
  Update, createFederation, generateCryptoKeyPair, lookupWebFinger, signRequest,
} from "@fedify/fedify";

const port = Number(process.argv[2]);
const origin = `http://127.0.0.1:${port}`;
const federation = createFederation({ kv: new MemoryKvStore(), allowPrivateAddress: true });
const received = [];
const follows = new Map(); // the last Follow sent to each actor, which an Undo undoes
let keys = null;

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== "alice") return null;
    const pairs = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      publicKey: pairs[0].cryptographicKey,
      assertionMethods: pairs.map((pair) => pair.multikey),
    });
  })
  .setKeyPairsDispatcher(async () => {
    keys ??= [await generateCryptoKeyPair("RSASSA-PKCS1-v1_5")];
    return keys;
  });

async function record(ctx, activity) {
  // Create and Update carry the Note; Accept and Delete only name their object.
  const carries = activity instanceof Create || activity instanceof Update;
  const object = carries ? await activity.getObject() : null;
  received.push({
    type: activity.constructor.name,
    actor: activity.actorId?.href,
    object: object?.id?.href ?? activity.objectId?.href ?? null,
    content: object?.content?.toString() ?? null,
  });
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Accept, record)
  .on(Create, record)
  .on(Update, record)
  .on(Delete, record)
  .onError((_ctx, error) => console.error("inbox error:", error));

async function sha256(text) {
  const bytes = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Buffer.from(bytes).toString("base64");
}

// POST a Follow (or the Undo of the last one) to the actor's inbox, signed by Fedify with the
// given spec; `tamper` is "none", "body" (changed after signing), "digest" (changed, and the
// digest header recomputed, so only the signature can tell) or "key" (signed by another key
// under our key id).
async function post(params) {
  const ctx = federation.createContext(new URL(origin), undefined);
  const target = new URL(params.get("actor"));
  const { document } = await ctx.documentLoader(target.href);
  const me = ctx.getActorUri("alice");
  let activity;
  if (params.get("activity") === "undo") {
    activity = new Undo({ id: new URL(`${origin}/undos/${Date.now()}`), actor: me, object: follows.get(target.href) });
  } else {
    activity = new Follow({ id: new URL(`${origin}/follows/${Date.now()}`), actor: me, object: target });
    follows.set(target.href, activity);
  }
  const body = JSON.stringify(await activity.toJsonLd({ contextLoader: ctx.contextLoader }));
  const [pair] = await ctx.getActorKeyPairs("alice");
  const tamper = params.get("tamper") ?? "none";
  const key = tamper === "key" ? (await generateCryptoKeyPair("RSASSA-PKCS1-v1_5")).privateKey : pair.privateKey;
  let request = await signRequest(
    new Request(document.inbox, { method: "POST", headers: { "Content-Type": "application/activity+json" }, body }),
    key, pair.keyId, { spec: params.get("spec") ?? "draft-cavage-http-signatures-12" },
  );
  if (tamper === "body" || tamper === "digest") {
    const changed = body.replace(me.href, `${origin}/users/mallory`);
    const headers = new Headers(request.headers);
    if (tamper === "digest") {
      const hash = await sha256(changed);
      if (headers.has("Digest")) headers.set("Digest", `SHA-256=${hash}`);
      if (headers.has("Content-Digest")) headers.set("Content-Digest", `sha-256=:${hash}:`);
    }
    request = new Request(document.inbox, { method: "POST", headers, body: changed });
  }
  const response = await fetch(request);
  return Response.json({ status: response.status, body: await response.text() });
}

async function control(request) {
  const url = new URL(request.url);
  if (url.pathname === "/control/received") return Response.json(received);
  if (url.pathname === "/control/post") return await post(url.searchParams);
  if (url.pathname === "/control/lookup") {
    // Fedify's own lookup of a URL: content negotiation, redirects, <link rel="alternate">.
    const ctx = federation.createContext(new URL(origin), undefined);
    const found = await ctx.lookupObject(url.searchParams.get("url"));
    return Response.json({ id: found?.id?.href ?? null, type: found?.constructor?.name ?? null });
  }
  if (url.pathname === "/control/follow") {
    // WebFinger over http for loopback: Fedify asks the server the resource URL names.
    const found = await lookupWebFinger(url.searchParams.get("resource"), {
      allowPrivateAddress: true,
    });
    const self = found?.links?.find((link) => link.rel === "self")?.href;
    if (!self) return new Response("not found by WebFinger", { status: 404 });
    const ctx = federation.createContext(new URL(origin), undefined);
    const { document } = await ctx.documentLoader(self);
    const target = await APObject.fromJsonLd(document, {
      documentLoader: ctx.documentLoader,
      contextLoader: ctx.contextLoader,
    });
    await ctx.sendActivity({ identifier: "alice" }, target, new Follow({
      id: new URL(`${origin}/follows/${received.length}-${Date.now()}`),
      actor: ctx.getActorUri("alice"),
      object: target.id,
    }), { immediate: true });
    return Response.json({ actor: self });
  }
  return null;
}

http.createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = chunks.length ? Buffer.concat(chunks) : undefined;
  const request = new Request(`${origin}${req.url}`, {
    method: req.method, headers: req.headers,
    body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
  });
  let response;
  try {
    response = (await control(request)) ?? (await federation.fetch(request, { contextData: undefined }));
  } catch (error) {
    console.error(error);
    response = new Response(String(error?.stack ?? error), { status: 500 });
  }
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}).listen(port, "127.0.0.1", () => console.log("ready"));
