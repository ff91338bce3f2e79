// No test reaches the network: every GitHub request must be mocked, and a missed one fails loudly.
import nock from "nock";
import { afterEach, beforeAll } from "vitest";

beforeAll(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  nock.cleanAll();
});
