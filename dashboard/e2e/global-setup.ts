// Starts the real ztp-prem-fleet in dir mode on a copy of the fixture documents.
// Without the binary (the fleet branch not built) every e2e test is skipped with
// the reason in ZTP_E2E_SKIP; the tests read the service address and the
// documents directory from ZTP_E2E_BASE_URL and ZTP_E2E_DOCS_DIR.
import { rmSync } from 'node:fs'
import { copyFixtures } from './docs'
import { missingBinaryReason, startFleet } from './fleet'

export default async function globalSetup(): Promise<(() => Promise<void>) | void> {
  const skip = missingBinaryReason()
  if (skip) {
    console.log(skip)
    process.env.ZTP_E2E_SKIP = skip
    return
  }
  const docs = copyFixtures()
  let fleet
  try {
    fleet = await startFleet(docs, 'ztp-prem-fleet.log')
  } catch (e) {
    rmSync(docs, { recursive: true, force: true })
    throw e
  }
  process.env.ZTP_E2E_BASE_URL = fleet.base
  process.env.ZTP_E2E_DOCS_DIR = docs
  return async () => {
    await fleet.stop()
    rmSync(docs, { recursive: true, force: true })
  }
}
